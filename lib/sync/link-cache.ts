/**
 * The link rows this process wrote last, for the notification path: an Outlook change to an item
 * this instance synced recently is marked in doubt with a write conditional on the remembered etag,
 * so the link is not read first. A row changed elsewhere fails that condition and is then read, so
 * a stale copy costs a request, never a wrong write. Nothing else trusts this copy: an item that
 * looks unchanged against it is read from storage. Bounded, oldest forgotten first.
 */
import type { Link } from '../state/links';

const MAX_ROWS = 2_000;

type Key = { userId: string; module: string } & ({ itemId: string } | { graphId: string });

const rows = new Map<string, Link>();

function keyOf(k: Key): string {
  return `${k.userId}\u0000${k.module}\u0000${'itemId' in k ? k.itemId : k.graphId}`;
}

export const linkCache = {
  get(k: Key): Link | undefined {
    return rows.get(keyOf(k));
  },
  /** undefined forgets the item */
  put(k: Key, link: Link | undefined): void {
    const key = keyOf(k);
    rows.delete(key);
    if (!link) return;
    rows.set(key, link);
    if (rows.size > MAX_ROWS) rows.delete(rows.keys().next().value!);
  },
};
