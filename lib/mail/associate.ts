/**
 * Files one e-mail into Zoho records: resolves the counterparts (or takes the record the operator
 * chose), creates records for unknown addresses when the settings say so, uploads attachments
 * once, and associates the e-mail with each record once.
 *
 * Idempotency and concurrency: the message's link row (module `mail`, keyed by Internet message
 * id) is claimed for the duration of a pass, so two workers never upload the same attachments or
 * file the same e-mail at once; its `extra` remembers uploaded files and filed records across
 * passes, and Zoho's DUPLICATE_DATA on `original_message_id` backs that up.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { GraphMessage } from '../graph/resources/message';
import type { Logger } from '../log';
import { contentHash } from '../mapping/hash';
import { LinkConflictError, type Link, type LinkRepository } from '../state/links';
import type { LookupClaimRepository } from '../state/lookup-claims';
import type { Directory } from '../sync/directory';
import { createOnce } from '../sync/create-once';
import { CLAIM_STALE_MS } from '../sync/engine';
import { ItemBusyError, ZohoRecordRefused, zohoReason } from '../sync/outcome';
import type { MailboxRights } from '../sync/rights';
import type { RecordAction } from '../zoho/profiles';
import type { ZohoClient } from '../zoho/client';
import { ZohoApiError } from '../zoho/errors';
import { FILES_PER_UPLOAD } from '../zoho/email';
import { chunk } from '../zoho/records';
import type { ZohoFileResult, ZohoRecord, ZohoUploadFile } from '../zoho/types';
import { attachmentKeys, planAttachments } from './attachments';
import type { MailboxIdentity, MailGraph } from './graph';
import { buildAssociateEmail, unfileableReason, withAttachments } from './payload';
import {
  counterparts, decideRecipients, lookupAddresses, newPersonRecord, ZOHO_MODULE_OF,
  type CaptureModule, type CreateUnknown, type Direction, type ExclusionRules, type Matches,
} from './recipients';
import { emptyOutcome, type FilingOutcome, type RecipientOutcome, type RecordOutcome } from './report';
import { messageKey, parseState, recordKey, serializeState, type MailLinkState } from './state';

export type MailZoho = Pick<ZohoClient, 'associateEmail' | 'uploadFiles' | 'addAttachment' | 'earliestByField' | 'insertRecords' | 'getRecord' | 'searchRecords' | 'getFields' | 'coql'>;

export interface FilerDeps {
  graph: MailGraph;
  zoho: MailZoho;
  links: LinkRepository;
  lookupClaims: LookupClaimRepository;
  directory: Pick<Directory, 'ownerFor' | 'fieldRules'>;
  config: Pick<Config, 'MAIL_INTERNAL_DOMAINS' | 'MAIL_EXCLUDE' | 'ZOHO_TRIGGER'>;
  now: () => Date;
  /** the mailbox owner's Zoho profile, checked before a Lead or Contact is created for the mailbox */
  rights?: Pick<MailboxRights, 'check'>;
}

export type FilingTarget =
  | { kind: 'resolve'; modules: readonly CaptureModule[]; createUnknown: CreateUnknown }
  | { kind: 'record'; module: string; id: string; name?: string; created?: boolean };

export interface FileRequest {
  userId: string;
  identity: MailboxIdentity;
  message: GraphMessage;
  direction: Direction;
  target: FilingTarget;
  attachments: boolean;
  /** skip the pass when the same inputs were filed completely before (redelivered notifications) */
  reuse: boolean;
}

export type FilingResult = { kind: 'filed'; outcome: FilingOutcome } | { kind: 'unchanged' } | { kind: 'out-of-scope'; outcome: FilingOutcome };

const PERSON_FIELDS = ['Email', 'Full_Name'];

interface Target {
  module: string;
  id: string;
  name?: string;
  via?: string;
  created?: boolean;
  /** the lookup-claim row that named this record (records created for an address) */
  claim?: { module: string; address: string };
}

/** Zoho says the record no longer exists. */
function recordGone(code: string, field?: string): boolean {
  return code === 'NOT_FOUND' || code === 'RECORD_NOT_FOUND' || (code === 'INVALID_DATA' && field === 'id');
}

export class MailFiler {
  constructor(private readonly deps: FilerDeps) {}

  async exclusionRules(identity: MailboxIdentity, logger: Logger): Promise<ExclusionRules> {
    const configured = this.deps.config.MAIL_INTERNAL_DOMAINS;
    const tenant = configured.length > 0 ? configured : await this.deps.graph.tenantDomains(identity.addresses, logger);
    // The mailbox's own domain is internal whatever the list says: a colleague must never become a Lead.
    const own = identity.addresses.map((a) => a.slice(a.lastIndexOf('@') + 1));
    return { internalDomains: [...new Set([...tenant, ...own])], exclude: this.deps.config.MAIL_EXCLUDE, self: identity.addresses };
  }

  async file(req: FileRequest, logger: Logger): Promise<FilingResult> {
    const { message, direction, identity } = req;
    const outcome = emptyOutcome((message.subject ?? '').trim() || '(no subject)');
    if (req.target.kind === 'resolve') outcome.createUnknown = req.target.createUnknown;
    const payload = buildAssociateEmail({ message, direction, mailboxAddress: identity.addresses[0], now: this.deps.now() });
    const unfileable = message.isDraft ? 'the e-mail is a draft; only sent or received e-mails are filed' : unfileableReason(payload.email);
    if (unfileable) return { kind: 'filed', outcome: { ...outcome, skipReason: unfileable } };

    const rules = await this.exclusionRules(identity, logger);
    const people = req.target.kind === 'resolve' ? counterparts(message, direction) : [];
    const external = lookupAddresses(people, rules);
    if (req.target.kind === 'resolve' && external.length === 0) {
      // Mail among colleagues (or to excluded addresses only) is not CRM correspondence.
      outcome.recipients = decideRecipients(people, rules, {}, { modules: [], createUnknown: 'none' });
      return { kind: 'out-of-scope', outcome };
    }

    const key = messageKey(message);
    const inputs = contentHash({
      target: req.target.kind === 'resolve' ? { modules: [...req.target.modules].sort(), createUnknown: req.target.createUnknown } : { module: req.target.module, id: req.target.id },
      attachments: req.attachments,
      people: people.map((p) => p.address).sort(),
      internal: [...rules.internalDomains].sort(),
      exclude: [...rules.exclude].sort(),
    });
    if (req.reuse) {
      const existing = await this.deps.links.get(req.userId, 'mail', key);
      if (existing?.state === 'linked' && existing.hash === inputs) return { kind: 'unchanged' };
    }

    let link = await this.acquire(req.userId, key);
    const state = parseState(link.extra);
    const save = async (final: boolean, hash: string, first?: { module: string; id: string }) => {
      const next: Link = {
        ...link,
        state: final ? 'linked' : 'claimed',
        claimToken: final ? undefined : link.claimToken,
        claimedAt: final ? undefined : link.claimedAt,
        extra: serializeState(state),
        hash: hash || undefined,
        zohoModule: first?.module ?? link.zohoModule,
        zohoId: first?.id ?? link.zohoId,
        lastSyncedAt: this.deps.now().toISOString(),
      };
      link = { ...next, etag: await this.deps.links.save(next) };
    };

    try {
      const targets = req.target.kind === 'resolve' ? await this.resolveTargets(req, people, rules, outcome, req.target) : [{ module: req.target.module, id: req.target.id, name: req.target.name, created: req.target.created }];
      let files: { id: string; name: string }[] = [];
      if (req.attachments && message.hasAttachments && targets.length > 0) files = await this.uploadAttachments(req, state, outcome, () => save(false, ''));

      const email = withAttachments(payload.email, files);
      outcome.cutFields.push(...payload.cutFields);
      outcome.notes.push(...payload.notes);
      for (const t of targets) outcome.records.push(await this.associate(t, email, state, logger));

      const complete = outcome.records.every((r) => r.status !== 'failed') && outcome.recipients.every((p) => !p.failure);
      const first = outcome.records.find((r) => r.status !== 'failed');
      await save(true, complete ? inputs : '', first);
      return { kind: 'filed', outcome };
    } catch (err) {
      // Keep what was done (uploaded files, filed records) and give the claim back for the retry.
      await save(true, '').catch((e: unknown) => {
        if (!(e instanceof LinkConflictError)) logger.warn('could not release the e-mail claim', { error: (e as Error).name });
      });
      throw err;
    }
  }

  /** The pass owns the message's link row until it saves it back as `linked`. */
  private async acquire(userId: string, key: string): Promise<Link> {
    const token = randomUUID();
    const now = this.deps.now();
    const claim = await this.deps.links.claim(userId, 'mail', key, token, now, CLAIM_STALE_MS);
    if (claim.claimed) return claim.link;
    if (claim.link.state === 'claimed') throw new ItemBusyError();
    const taken: Link = { ...claim.link, state: 'claimed', claimToken: token, claimedAt: now.toISOString() };
    try {
      return { ...taken, etag: await this.deps.links.save(taken) };
    } catch (err) {
      if (err instanceof LinkConflictError) throw new ItemBusyError();
      throw err;
    }
  }

  /** One COQL query per module for all addresses: Contacts first, Leads only for what is left. */
  async lookup(addresses: readonly string[], modules: readonly CaptureModule[]): Promise<Matches> {
    const matches: Matches = {};
    let left = [...addresses];
    for (const m of (['contacts', 'leads'] as const).filter((x) => modules.includes(x))) {
      if (left.length === 0) break;
      const zohoModule = ZOHO_MODULE_OF[m];
      const found = await this.deps.zoho.earliestByField(zohoModule, 'Email', left, PERSON_FIELDS);
      matches[zohoModule] = found;
      left = left.filter((a) => !found.has(a));
    }
    return matches;
  }

  private async resolveTargets(
    req: FileRequest,
    people: ReturnType<typeof counterparts>,
    rules: ExclusionRules,
    outcome: FilingOutcome,
    target: Extract<FilingTarget, { kind: 'resolve' }>,
  ): Promise<Target[]> {
    const decided = decideRecipients(people, rules, await this.lookup(lookupAddresses(people, rules), target.modules), target);
    const targets: Target[] = [];
    const add = (t: Target) => {
      if (!targets.some((x) => x.module === t.module && x.id === t.id)) targets.push(t);
    };
    for (const p of decided) {
      const result: RecipientOutcome = { ...p };
      if (p.decision.kind === 'match') {
        result.record = { module: p.decision.module, id: p.decision.id };
        add({ module: p.decision.module, id: p.decision.id, name: p.decision.name, via: p.address });
      } else if (p.decision.kind === 'create') {
        try {
          const made = await this.createFor(p.decision.module, p.address, p.name, req.userId);
          result.record = { module: p.decision.module, id: made.id };
          outcome.notes.push(...made.notes.map((n) => `${p.address}: ${n}`));
          add({ module: p.decision.module, id: made.id, name: made.name, via: p.address, created: made.created, claim: { module: p.decision.module, address: p.address } });
        } catch (err) {
          if (!(err instanceof ZohoRecordRefused)) throw err;
          result.failure = { code: err.failure.code, reason: zohoReason(err.failure.code, err.failure.field, err.failure.message), retryable: true };
        }
      }
      outcome.recipients.push(result);
    }
    return targets;
  }

  /**
   * A record for an unknown address (also `mail/attach` with `create`; `extra` = further fields
   * such as Lead_Status), created once across workers and e-mails: the address is
   * claimed in the look-up table, checked again in Zoho (a worker that died may have created it,
   * or it exists in a module MAIL_CAPTURE does not count), and only then inserted.
   */
  async createFor(module: 'Contacts' | 'Leads', address: string, displayName: string, userId: string, extra: ZohoRecord = {}): Promise<{ id: string; created: boolean; name?: string; notes: string[] }> {
    const made = await createOnce<{ name?: string; notes: string[] }>(this.deps.lookupClaims, module, address, this.deps.now(), {
      find: async () => {
        const existing = (await this.deps.zoho.earliestByField(module, 'Email', [address], PERSON_FIELDS)).get(address);
        return existing ? { id: String(existing.id), name: nameOf(existing), notes: [] } : undefined;
      },
      create: async () => {
        await assertAllowed(this.deps.rights, userId, module, 'create');
        const [rules, ownerId] = await Promise.all([this.deps.directory.fieldRules(module), this.deps.directory.ownerFor(userId)]);
        const person = newPersonRecord(module, address, displayName, rules, ownerId);
        const [r] = await this.deps.zoho.insertRecords(module, [{ ...person.record, ...extra }], { trigger: this.deps.config.ZOHO_TRIGGER });
        if (r.status === 'error' && (r.code !== 'DUPLICATE_DATA' || !r.duplicateId)) throw new ZohoRecordRefused(r, module);
        const id = r.status === 'error' ? r.duplicateId! : r.id;
        return { id, name: [person.record.First_Name, person.record.Last_Name].filter(Boolean).join(' '), notes: person.notes, existed: r.status === 'error' };
      },
    });
    return { id: made.id, created: made.created, name: made.value?.name, notes: made.value?.notes ?? [] };
  }

  /**
   * Uploads the planned attachments that are not uploaded yet and returns the Zoho file ids of
   * all planned ones. Progress is saved right after the upload: a later failure must not cause a
   * second upload.
   */
  private async uploadAttachments(req: FileRequest, state: MailLinkState, outcome: FilingOutcome, saveProgress: () => Promise<void>): Promise<{ id: string; name: string }[]> {
    const list = await this.deps.graph.listAttachments(req.userId, req.message.id);
    const plan = planAttachments(list, 'email');
    const listKeys = attachmentKeys(list);
    const keys = new Map(list.map((a, i) => [a.id, listKeys[i]]));
    outcome.attachments.leftOut.push(...plan.leftOut);
    outcome.attachments.inline = plan.inline;
    const missing = plan.take.filter((a) => !state.files[keys.get(a.id)!]);
    if (missing.length > 0) {
      const files: ZohoUploadFile[] = [];
      for (const a of missing) {
        const bytes = await this.deps.graph.downloadAttachment(req.userId, req.message.id, a.id);
        files.push({ name: a.name?.trim() || 'attachment', content: bytes, contentType: a.contentType ?? undefined });
      }
      const results = await this.upload(files);
      results.forEach((r, i) => {
        const a = missing[i];
        if (r.status === 'success') state.files[keys.get(a.id)!] = { fileId: r.id, name: files[i].name, size: files[i].content.byteLength };
        else outcome.attachments.leftOut.push({ name: files[i].name, why: `Zoho refused the file: ${zohoReason(r.code, undefined, r.message)}` });
      });
      await saveProgress();
    }
    const out: { id: string; name: string }[] = [];
    for (const a of plan.take) {
      const f = state.files[keys.get(a.id)!];
      if (f) out.push({ id: f.fileId, name: f.name });
    }
    outcome.attachments.attached = out.map((f) => f.name);
    return out;
  }

  /**
   * Zoho refuses a whole multipart call when it refuses one of its files (VIRUS_DETECTED,
   * failure_in_attachment_handling, files.json): the call's files are then sent one by one, so
   * only the refused file is left out (and named) and the e-mail is still filed with the rest.
   * Calls are made per FILES_PER_UPLOAD here, so a refusal never re-sends a file already stored.
   */
  private async upload(files: readonly ZohoUploadFile[]): Promise<ZohoFileResult[]> {
    const results: ZohoFileResult[] = [];
    for (const part of chunk(files, FILES_PER_UPLOAD)) {
      try {
        results.push(...(await this.deps.zoho.uploadFiles(part)));
      } catch (err) {
        if (!(err instanceof ZohoApiError) || err.transient) throw err;
        if (part.length === 1) results.push({ status: 'error', code: err.code, message: err.zohoMessage ?? '' });
        else for (const file of part) results.push(...(await this.upload([file])));
      }
    }
    return results;
  }

  private async associate(t: Target, email: Parameters<MailZoho['associateEmail']>[2], state: MailLinkState, logger: Logger): Promise<RecordOutcome> {
    const rk = recordKey(t.module, t.id);
    const base = { module: t.module, id: t.id, name: t.name, via: t.via, created: t.created || state.records[rk]?.created || undefined };
    if (state.records[rk]) return { ...base, status: 'already' };
    let res: Awaited<ReturnType<MailZoho['associateEmail']>>;
    try {
      res = await this.deps.zoho.associateEmail(t.module, t.id, email);
    } catch (err) {
      // A refusal of the whole request (unknown record id, no permission) concerns this record
      // only; transient failures retry the item.
      if (!(err instanceof ZohoApiError) || err.transient) throw err;
      res = { status: 'error', code: err.code, message: err.zohoMessage ?? '', field: err.apiName, details: err.details };
      if (err.status === 404 || (err.code === 'INVALID_DATA' && err.details.resource_path_index !== undefined)) res.code = 'RECORD_NOT_FOUND';
    }
    if (res.status === 'success') {
      state.records[rk] = { at: this.deps.now().toISOString(), ...(res.alreadyAssociated ? { already: true } : {}), ...(t.created ? { created: true } : {}) };
      return { ...base, status: res.alreadyAssociated ? 'already' : 'attached' };
    }
    logger.warn('Zoho refused to file the e-mail on a record', { module: t.module, code: res.code, field: res.field });
    if (recordGone(res.code, res.field)) {
      // A record created for an address earlier and deleted in Zoho since: forget it, so the
      // next pass creates it again.
      if (t.claim) await this.deps.lookupClaims.release(t.claim.module, t.claim.address);
      return { ...base, status: 'failed', code: res.code, reason: 'the Zoho record no longer exists', retryable: true };
    }
    return { ...base, status: 'failed', code: res.code, reason: zohoReason(res.code, res.field, res.message), retryable: true };
  }
}

/** A write the mailbox owner's profile refuses fails like Zoho's own refusal ("no permission (your Zoho profile)"). */
export async function assertAllowed(rights: Pick<MailboxRights, 'check'> | undefined, userId: string, module: string, action: RecordAction): Promise<void> {
  const verdict = await rights?.check(userId, module, action);
  if (verdict && !verdict.ok) throw new ZohoRecordRefused(verdict.failure, module);
}

function nameOf(r: ZohoRecord): string | undefined {
  return typeof r.Full_Name === 'string' && r.Full_Name ? r.Full_Name : typeof r.Deal_Name === 'string' ? r.Deal_Name : undefined;
}
