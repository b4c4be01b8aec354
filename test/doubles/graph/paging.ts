import { json, preferredPageSize, type DoubleRequest, type DoubleResponse } from './http';
import { decodeToken, encodeToken, link, orderBy, parseFilter, parseTop } from './odata';

/**
 * Collection GETs with $filter, $orderby, $top, $select and paging. Graph pages directory
 * collections with an opaque `$skiptoken`, Outlook collections with `$skip` (the nextLink repeats
 * the original query plus `$skip=N`); both styles are emulated.
 */
export interface ListOptions<T> {
  origin: string;
  entitySet: string;
  defaultSize: number;
  maxTop: number;
  style: 'skiptoken' | 'skip';
  /** Renders one item, honouring `$select` (undefined = the default property set). */
  project: (item: T, select: string[] | undefined) => Record<string, unknown>;
  /**
   * The entity as Graph's `$filter` sees it, when the stored item keeps its properties elsewhere
   * (e.g. under `fields`); default: the stored item itself.
   */
  filterView?: (item: T) => Record<string, unknown>;
}

export function listResponse<T>(req: DoubleRequest, items: T[], opts: ListOptions<T>): DoubleResponse {
  const filter = req.query.get('$filter');
  const test = filter ? parseFilter(filter) : undefined;
  const view = opts.filterView ?? ((item: T) => item as unknown as Record<string, unknown>);
  let selected = test ? items.filter((item) => test(view(item))) : items;
  selected = orderBy(selected, req.query);
  const size = parseTop(req.query, opts.maxTop) ?? preferredPageSize(req.headers) ?? opts.defaultSize;
  let offset = 0;
  if (opts.style === 'skip') offset = Number(req.query.get('$skip') ?? 0) || 0;
  else {
    const token = req.query.get('$skiptoken');
    offset = token ? decodeToken<{ o: number }>(token)?.o ?? 0 : 0;
  }
  const select = req.query.get('$select')?.split(',').map((s) => s.trim()).filter(Boolean);
  const page = selected.slice(offset, offset + size);
  const body: Record<string, unknown> = { '@odata.context': `${opts.origin}/v1.0/$metadata#${opts.entitySet}` };
  if (offset + size < selected.length) {
    const kept = [...req.query.entries()].filter(([k]) => k !== '$skip' && k !== '$skiptoken');
    const next: [string, string] = opts.style === 'skip' ? ['$skip', String(offset + size)] : ['$skiptoken', encodeToken({ o: offset + size })];
    body['@odata.nextLink'] = link(opts.origin, req.rawPath, [...kept, next]);
  }
  body.value = page.map((item) => opts.project(item, select));
  return json(200, body);
}

/** Keeps the `$select`ed properties (matched case-insensitively) plus `always`. */
export function pick(item: Record<string, unknown>, select: string[], always: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of [...always, ...select]) {
    const key = Object.keys(item).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key !== undefined) out[key] = item[key];
  }
  return out;
}
