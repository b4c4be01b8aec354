import { headerValue, type DoubleRequest } from './http';

/**
 * Outlook ids with and without `Prefer: IdType="ImmutableId"` (graph.md §1.1, design note 9).
 * The double stores immutable ids, and its notifications carry them, as for the subscriptions
 * provisioning creates with that header. Reading one event or message without the header answers
 * the regular form instead, as Graph does, so a read that forgets the header gets ids that match
 * nothing keyed by notification ids. Paths accept both forms.
 */
const REGULAR_PREFIX = 'AQMkREG';

export function wantsImmutableIds(req: DoubleRequest): boolean {
  return /IdType\s*=\s*"?ImmutableId"?/i.test(headerValue(req.headers, 'prefer') ?? '');
}

export function wireId(id: string, immutable: boolean): string {
  return immutable ? id : `${REGULAR_PREFIX}${id}`;
}

export function storedId(id: string): string {
  return id.startsWith(REGULAR_PREFIX) ? id.slice(REGULAR_PREFIX.length) : id;
}
