/**
 * The forward path's two-way port (lib/sync/two-way.ts), one for every module through its reverse
 * codec: Zoho's values by one read, Outlook's through the codec, the base from the reverse index
 * row (or derived from the link's forward snapshot for a link made before it), Zoho's winners
 * patched into Outlook, and the reverse index kept as the base both directions merge against.
 *
 * No echo: after a patch the item is read back once and the forward snapshot entries the patch
 * changed are handed to the engine, so Graph's notification of our own write is "unchanged"; the
 * index row's values become what both sides hold, so Zoho's callback for our write is too.
 *
 * Only the mailbox owner's records are two-way (issue 16 §2, the reverse direction's owner rule):
 * a link to another Zoho user's record sends Outlook's changes one way and gets no index row.
 */
import type { ConflictPolicy } from '../config';
import type { TwoWayModule } from '../direction';
import type { FieldRules } from '../mapping/fields';
import { REVERSE_CODECS, type ReverseCodec, type ReverseContext } from '../mapping/reverse';
import { EVENT_OUTLOOK_READ_ONLY } from '../mapping/reverse-event';
import type { Link } from '../state/links';
import { ZohoIndexConflictError, type ZohoIndexEntry, type ZohoIndexRepository } from '../state/zoho-index';
import { fieldsOf, type ModuleAdapter } from '../sync/engine';
import { compact, parseSnapshot, serializeSnapshot, type Snapshot } from '../sync/snapshot';
import { derivedBase, forwardMerge, type ForwardMerge, type TwoWayPort } from '../sync/two-way';
import { REVERSE_READ_FIELDS, type RecordsById } from '../zoho/read';
import type { ZohoRecord } from '../zoho/types';
import type { OutlookOps } from './outlook-ops';
import { ownerIdOf } from './owners';

export interface TwoWayDeps {
  zoho: { getRecordsByIds(module: string, ids: readonly string[], fields: readonly string[]): Promise<RecordsById> };
  index: Pick<ZohoIndexRepository, 'get' | 'save' | 'insertIfAbsent'>;
  ops: OutlookOps;
  /** the mailbox's forward adapter of the module: reads the item back, maps it to its snapshot */
  adapter(userId: string): Promise<ModuleAdapter<unknown> | undefined>;
  timeZone(userId: string): Promise<string | undefined>;
  fieldRules(zohoModule: string): Promise<FieldRules>;
  /** the mailbox owner's Zoho user id: an index row is only made for the owner's own records */
  zohoUserId(userId: string): Promise<string | undefined>;
  category: string;
  policy: ConflictPolicy;
}

/** What merge learnt that settle needs: the index row to move on (or to make), the agreed keys, the context. */
interface Pending {
  entry?: ZohoIndexEntry;
  /** no index row yet and the record is the mailbox owner's: settle makes it (the lazy backfill) */
  backfill: boolean;
  agreed: string[];
  ctx: ReverseContext;
}

const ignoreConflict = (err: unknown): void => {
  if (!(err instanceof ZohoIndexConflictError)) throw err;
};

const READ_ONLY: Readonly<Record<TwoWayModule, ReadonlySet<string>>> = { contacts: new Set(), tasks: new Set(), events: EVENT_OUTLOOK_READ_ONLY };

/**
 * The reverse index row a forward-made link gets: the Outlook item was the person's, so never deleted by the reverse path.
 * `scope`: the container the item is in (a To Do task's list, which need not be the default one), when known.
 */
export function forwardIndexRow(link: Link, values: Snapshot | undefined, scope?: string): ZohoIndexEntry {
  return { zohoModule: link.zohoModule!, zohoId: link.zohoId!, state: 'linked', userId: link.userId, module: link.module, graphId: link.graphId, scope, origin: 'linked', values: values && serializeSnapshot(values), etag: '' };
}

export function twoWayPort(module: TwoWayModule, deps: TwoWayDeps): TwoWayPort {
  const codec = REVERSE_CODECS[module] as unknown as ReverseCodec<unknown>;
  const zohoModule = codec.zohoModule;
  const pending = new WeakMap<ForwardMerge, Pending>();
  const context = async (userId: string): Promise<ReverseContext> => {
    const [timeZone, rules] = await Promise.all([module === 'contacts' ? undefined : deps.timeZone(userId), deps.fieldRules(zohoModule)]);
    return { category: deps.category, timeZone, rules };
  };
  const adapterOf = async (userId: string) => {
    const adapter = await deps.adapter(userId);
    if (!adapter) throw new Error(`${module} sync is turned off for this mailbox`);
    return adapter;
  };
  const forwardFields = async (userId: string, item: unknown) => fieldsOf(await (await adapterOf(userId)).map(item));
  const ownedBy = async (record: ZohoRecord, userId: string) => {
    const owner = ownerIdOf(record);
    return owner !== undefined && owner === (await deps.zohoUserId(userId));
  };
  const outlookTime = (item: unknown) => (deps.ops.unwrap(item) as { lastModifiedDateTime?: string | null }).lastModifiedDateTime;

  return {
    policy: deps.policy,

    async merge(link, item, changed) {
      const [read, entry, ctx] = await Promise.all([
        deps.zoho.getRecordsByIds(zohoModule, [link.zohoId!], REVERSE_READ_FIELDS[zohoModule]),
        deps.index.get(zohoModule, link.zohoId!),
        context(link.userId),
      ]);
      const record = read.records.get(link.zohoId!);
      // Gone in Zoho: the update's answer says so, and the table decides as in one-way sync.
      if (!record) return undefined;
      if (!(await ownedBy(record, link.userId))) {
        // Another user's record (a customer many mailboxes share): this mailbox sends its Outlook
        // changes field by field, as one-way sync does; Zoho's changes belong to the owner's mailbox.
        const oneWay: ForwardMerge = { send: [...changed], toOutlook: {}, conflicts: [], base: {} };
        pending.set(oneWay, { backfill: false, agreed: [], ctx });
        return oneWay;
      }
      const outlook = codec.fromOutlook(deps.ops.unwrap(item), ctx);
      const zoho = codec.fromZoho(record);
      const own = entry?.state === 'linked' && entry.userId === link.userId && entry.graphId === link.graphId ? entry : undefined;
      const base = parseSnapshot(own?.values) ?? derivedBase(parseSnapshot(link.snapshot), outlook, changed);
      const m = forwardMerge(base, outlook, zoho, changed, deps.policy, { outlook: outlookTime(item), zoho: typeof record.Modified_Time === 'string' ? record.Modified_Time : undefined }, READ_ONLY[module]);
      const agreed = changed.filter((k) => !m.send.includes(k) && k in outlook && k in zoho && compact(outlook[k]) === compact(zoho[k]));
      const backfill = !entry;
      pending.set(m, { entry: own, backfill, agreed, ctx });
      return m;
    },

    async settle(link, item, m) {
      const p = pending.get(m);
      if (!p) throw new Error('settle without merge');
      const out: Snapshot = {};
      const before = await forwardFields(link.userId, item);
      // Changed in Outlook to what Zoho holds already: nothing was sent, and nothing is left to send.
      for (const k of p.agreed) if (k in before) out[k] = compact(before[k]);
      if (Object.keys(m.toOutlook).length > 0) {
        await deps.ops.update(link.userId, link.graphId, codec.patchBody(m.toOutlook, deps.ops.unwrap(item) as never, p.ctx), item);
        const adapter = await adapterOf(link.userId);
        const back = await adapter.read({ v: 1, userId: link.userId, module, itemId: link.graphId, changeType: 'updated', scope: await deps.ops.scope(link.userId, item) });
        if (back === null) throw new Error('the Outlook item written a moment ago is gone');
        const after = fieldsOf(await adapter.map(back));
        for (const [k, v] of Object.entries(after)) if (compact(v) !== compact(before[k])) out[k] = compact(v);
      }
      // Conditional: a row the Zoho side changed or removed meanwhile (a delete) is not brought back; its base stays.
      const scope = deps.ops.containerOf(item);
      if (p.entry) await deps.index.save({ ...p.entry, scope: scope ?? p.entry.scope, values: serializeSnapshot(m.base) }).catch(ignoreConflict);
      else if (p.backfill) await deps.index.insertIfAbsent(forwardIndexRow(link, m.base, scope));
      return out;
    },

    async indexLink(link, item, record) {
      if (!link.zohoId || !link.zohoModule) return;
      // Another user's record (a customer many mailboxes share), or one whose owner is unknown: its
      // Zoho changes are its owner's mailbox's, never this item's; a later merge backfills the row
      // if the record becomes this owner's.
      if (!record || !(await ownedBy(record, link.userId))) return;
      // What Zoho was sent is Outlook's item: its neutral values are the base of the next merge.
      const values = item === undefined ? undefined : Object.fromEntries(Object.entries(codec.fromOutlook(deps.ops.unwrap(item), await context(link.userId))).map(([k, v]) => [k, compact(v)]));
      await deps.index.save(forwardIndexRow(link, values, item === undefined ? undefined : deps.ops.containerOf(item)));
    },
  };
}
