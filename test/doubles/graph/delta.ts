import { GraphHttpError, json, preferredPageSize, type DoubleRequest, type DoubleResponse } from './http';
import { decodeToken, encodeToken, link } from './odata';
import type { TrackedCollection } from './tracked';

/**
 * Graph's delta protocol for any tracked collection: the first call returns the scope's content,
 * page by page via `@odata.nextLink` ($skiptoken); the last page carries `@odata.deltaLink`
 * ($deltatoken). Tokens carry the initial query ($select, a calendar window), so later requests
 * must not repeat it. A token from an older generation (tests invalidate state) answers 410
 * `syncStateNotFound`, which is how Outlook says "start over".
 */
export interface DeltaDefinition<T extends { id: string }> {
  /** Identifies the collection + scope; a token is only valid for the same key. */
  key: string;
  collection: TrackedCollection<T>;
  /** e.g. '#microsoft.graph.contact' */
  odataType: string;
  /** e.g. 'contact', for `$metadata#Collection(contact)`. */
  entitySet: string;
  scope: (params: Record<string, string>) => (item: T) => boolean;
  /** Reads (and validates) parameters the first request must carry, e.g. a calendar window. */
  initialParams?: (query: URLSearchParams) => Record<string, string>;
  render: (item: T, select: string | undefined, params: Record<string, string>) => Record<string, unknown>;
  /**
   * For collections whose stored item stands for several returned ones (a recurring series in
   * calendarView/delta stands for its occurrences): the rendered items, and the ids to report
   * as removed when it goes. Default: the item itself.
   */
  expand?: (item: T, select: string | undefined, params: Record<string, string>) => Record<string, unknown>[];
  removedIds?: (lastKnown: T | undefined, id: string, params: Record<string, string>) => string[];
  /** Honour the messages-only `changeType=created|updated|deleted` query parameter. */
  changeTypeParam?: boolean;
}

export interface DeltaEnvironment {
  origin: string;
  defaultPageSize: number;
  generation: number;
}

interface TokenState {
  k: string;
  g: number;
  s: number;
  u?: number;
  o?: number;
  sel?: string;
  p: Record<string, string>;
}

export function deltaResponse<T extends { id: string }>(req: DoubleRequest, env: DeltaEnvironment, def: DeltaDefinition<T>, now: number): DoubleResponse {
  const deltaToken = req.query.get('$deltatoken');
  const skipToken = req.query.get('$skiptoken');
  let state: TokenState;
  if (deltaToken !== null || skipToken !== null) {
    const decoded = decodeToken<TokenState>((deltaToken ?? skipToken)!);
    if (!decoded || decoded.k !== def.key) {
      throw new GraphHttpError(400, 'BadRequest', 'The sync state token is invalid for this request.');
    }
    if (decoded.g !== env.generation) {
      throw new GraphHttpError(410, 'syncStateNotFound', 'The sync state generation is not found. Please perform a full synchronization.', {
        Location: link(env.origin, req.rawPath, []),
      });
    }
    state = decoded;
  } else {
    const params = def.initialParams ? def.initialParams(req.query) : {};
    const changeType = req.query.get('changeType');
    if (def.changeTypeParam && changeType) {
      if (!['created', 'updated', 'deleted'].includes(changeType)) throw new GraphHttpError(400, 'ErrorInvalidUrlQuery', `The value '${changeType}' of the changeType parameter is invalid.`);
      params.changeType = changeType;
    }
    state = { k: def.key, g: env.generation, s: 0, sel: req.query.get('$select') ?? undefined, p: params };
  }

  const upTo = state.u ?? now;
  const offset = state.o ?? 0;
  const size = preferredPageSize(req.headers) ?? env.defaultPageSize;
  const changeType = def.changeTypeParam ? state.p.changeType : undefined;
  // One entry per change (no expansion): only the page's changes are copied and rendered, so a
  // page of a 50,000-item scope does not copy all 50,000.
  const oneEach = !def.expand && !def.removedIds;
  const changes = def.collection.changes(state.s, upTo, def.scope(state.p), oneEach).filter((c) => {
    if (!changeType) return true;
    if (changeType === 'deleted') return c.kind === 'removed';
    if (c.kind === 'removed') return false;
    const created = def.collection.createdSeq(c.id) > state.s;
    return changeType === 'created' ? created : !created;
  });
  const render = (list: typeof changes) =>
    list.flatMap((c): Record<string, unknown>[] => {
      if (c.kind === 'removed') {
        const ids = def.removedIds ? def.removedIds(def.collection.lastKnown(c.id), c.id, state.p) : [c.id];
        return ids.map((id) => ({ '@odata.type': def.odataType, id, '@removed': { reason: 'deleted' } }));
      }
      const value = oneEach ? structuredClone(c.value) : c.value;
      const rendered = def.expand ? def.expand(value, state.sel, state.p) : [def.render(value, state.sel, state.p)];
      return rendered.map((r) => ({ '@odata.type': def.odataType, ...r }));
    });
  const entries = oneEach ? undefined : render(changes);
  const total = entries ? entries.length : changes.length;
  const value = entries ? entries.slice(offset, offset + size) : render(changes.slice(offset, offset + size));
  const body: Record<string, unknown> = { '@odata.context': `${env.origin}/v1.0/$metadata#Collection(${def.entitySet})` };
  if (offset + size < total) {
    body['@odata.nextLink'] = link(env.origin, req.rawPath, [['$skiptoken', encodeToken({ ...state, u: upTo, o: offset + size })]]);
  } else {
    body['@odata.deltaLink'] = link(env.origin, req.rawPath, [['$deltatoken', encodeToken({ k: state.k, g: state.g, s: upTo, sel: state.sel, p: state.p })]]);
  }
  body.value = value;
  const headers: Record<string, string> = {};
  if (preferredPageSize(req.headers) !== undefined) headers['Preference-Applied'] = `odata.maxpagesize=${size}`;
  return json(200, body, headers);
}
