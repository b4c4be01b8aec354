/**
 * Which Outlook items are in the sync scope (SPEC §1): per module the mode is `category` (only
 * items carrying the sync category, the default), `all`, or `off`.
 */

export type ScopeMode = 'category' | 'all' | 'off';

/** Outlook matches category names without regard to case; stray spaces come from hand-typed names. */
function categoryKey(name: string): string {
  return name.trim().toLowerCase();
}

export function inScope(
  categories: readonly (string | null | undefined)[] | null | undefined,
  mode: ScopeMode,
  categoryName: string,
): boolean {
  if (mode === 'all') return true;
  if (mode === 'off') return false;
  const wanted = categoryKey(categoryName);
  if (wanted === '') return false;
  return (categories ?? []).some((c) => typeof c === 'string' && categoryKey(c) === wanted);
}
