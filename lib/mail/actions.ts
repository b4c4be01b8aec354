/**
 * E-mail to CRM: the worker's sent-mail handler and the operator actions behind the HTTP routes
 * (`mail/add`, `mail/search`, `mail/attach`, `mail/case`).
 *
 * Report: every action writes one line per record into the day's automatic run (the run sent-mail
 * capture reports to), with the item id `<message id>/<module>/<record id>` (or
 * `<message id>/<address>` for an address that found no record), so an operator's action and the
 * capture of the same e-mail do not overwrite each other's lines, and the admin sees everything
 * that reached Zoho on a day in one report. The answer carries the same lines.
 */
import { z } from 'zod';
import { assertOwnAddress, mailboxFor, type MailCaller } from '../auth/mail-access';
import type { Config } from '../config';
import type { GraphApi } from '../graph/client';
import { GraphBadRequestError } from '../graph/errors';
import type { Logger } from '../log';
import { normalizeAddress } from '../mapping/address';
import type { LinkRepository } from '../state/links';
import { describeIssues, graphItemId, userRef } from '../ids';
import type { LookupClaimRepository } from '../state/lookup-claims';
import { RunRepository, type ReportItem } from '../state/runs';
import type { Directory } from '../sync/directory';
import { createOnce } from '../sync/create-once';
import { CLAIM_STALE_MS, type ItemReport } from '../sync/engine';
import type { SyncItemMessage } from '../sync/messages';
import { ItemBusyError, ZohoRecordRefused, zohoReason } from '../sync/outcome';
import { ZohoApiError } from '../zoho/errors';
import type { GraphMessage } from '../graph/resources/message';
import type { MailboxRights } from '../sync/rights';
import { assertAllowed, MailFiler, type FilingResult, type FilingTarget, type MailZoho } from './associate';
import { chooseLeadStatus, CreateInput, personToCreate } from './create';
import { attachmentKeys, planAttachments } from './attachments';
import { captureModules, captureSentMail, type CaptureDeps } from './capture';
import { buildCaseRecord, CASES_MODULE, chooseCaseStatus } from './case';
import { MailGraph, type MailboxIdentity } from './graph';
import { directionOf, type Direction } from './recipients';
import { recordLines, type FilingOutcome, type RecordLine } from './report';
import { dealsByContactEmailQuery, rankHits, SEARCH_LIMIT, SearchInput, searchQueryFor, toHit, type SearchHit } from './search';
import { messageKey } from './state';

/** A refusal the operator can act on; `status` is the HTTP status of the answer. */
export class MailActionError extends Error {
  constructor(readonly status: number, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'MailActionError';
  }
}

export interface MailServiceDeps {
  graph: GraphApi;
  zoho: MailZoho;
  links: LinkRepository;
  lookupClaims: LookupClaimRepository;
  runs: RunRepository;
  directory: Pick<Directory, 'ownerFor' | 'fieldRules'>;
  config: Config;
  now?: () => Date;
  /** the mailbox owner's Zoho profile, checked before a record is created for the mailbox */
  rights?: Pick<MailboxRights, 'check'>;
}

/** Optional in the body: a signed-in user's token names the mailbox (mailboxFor decides). */
const userField = userRef.optional();
const messageIdField = graphItemId;
const attachmentsField = z.boolean({ error: 'attachments must be true or false' }).optional();

export const AddInput = z.object({ user: userField, messageId: messageIdField });
export const AttachInput = z
  .object({
    user: userField,
    messageId: messageIdField,
    module: z.enum(['Leads', 'Contacts', 'Deals'], { error: 'module must be one of Leads, Contacts, Deals' }),
    recordId: z.string({ error: 'recordId must be a string' }).trim().regex(/^\d{1,30}$/, 'recordId must be a Zoho record id').optional(),
    /** nothing matched: create the Lead or Contact (once per address) and file the e-mail on it */
    create: CreateInput.optional(),
    attachments: attachmentsField,
  })
  .refine((v) => (v.recordId === undefined) !== (v.create === undefined), 'give either recordId (an existing record) or create (a new Lead or Contact)')
  .refine((v) => v.create === undefined || v.module !== 'Deals', 'create makes a Lead or a Contact, not a Deal')
  .refine((v) => v.create?.leadStatus === undefined || v.module === 'Leads', 'create.leadStatus is for Leads only');
export const CaseInput = z.object({
  user: userField,
  messageId: messageIdField,
  status: z.string({ error: 'status is required' }).trim().min(1, 'status is required').max(120),
  attachments: attachmentsField,
});

export interface ActionAnswer {
  runId: string;
  items: ReportItem[];
}

const CASE_ATTACHMENTS = 'Cases:attachment';

export class MailService {
  readonly mailGraph: MailGraph;
  readonly filer: MailFiler;
  private readonly now: () => Date;

  constructor(private readonly deps: MailServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.mailGraph = new MailGraph(deps.graph);
    this.filer = new MailFiler({
      graph: this.mailGraph,
      zoho: deps.zoho,
      links: deps.links,
      lookupClaims: deps.lookupClaims,
      directory: deps.directory,
      config: deps.config,
      now: this.now,
      rights: deps.rights,
    });
  }

  /** The sync worker's handler for module `mail` (Sent Items notifications and resyncs). */
  capture(msg: SyncItemMessage, logger: Logger, config: CaptureDeps['config'] = this.deps.config): Promise<ItemReport | undefined> {
    return captureSentMail(msg, { graph: this.mailGraph, filer: this.filer, config }, logger);
  }

  /** Way 1: attach by the e-mail settings; any folder; for received mail the sender is the counterpart. */
  async add(body: unknown, caller: MailCaller, logger: Logger): Promise<ActionAnswer> {
    const input = parse(AddInput, body);
    const { identity, message } = await this.load(caller, input.user, input.messageId);
    const config = this.deps.config;
    const result = await this.filer.file(
      {
        userId: identity.id,
        identity,
        message,
        direction: directionOf(message, identity.addresses),
        target: { kind: 'resolve', modules: captureModules(config), createUnknown: config.MAIL_CREATE_UNKNOWN },
        attachments: config.MAIL_ATTACHMENTS,
        reuse: false,
      },
      logger,
    );
    return this.answer(identity.id, message.id, outcomeOf(result));
  }

  /** Way 2, step 1: records to attach to. */
  async search(query: { module?: string | null; q?: string | null }): Promise<{ module: string; q: string; records: SearchHit[] }> {
    const input = parse(SearchInput, { module: query.module ?? undefined, q: query.q ?? undefined });
    // Deals by a contact's address first (the seed's "Deals by e-mail"), then by name.
    const byContact = dealsByContactEmailQuery(input);
    const viaContact = byContact ? (await this.deps.zoho.coql(byContact)).map((r) => toHit(input.module, r)) : [];
    const rows = await this.deps.zoho.searchRecords(input.module, searchQueryFor(input), SEARCH_LIMIT);
    const found = rankHits(input, rows.map((r) => toHit(input.module, r))).filter((h) => !viaContact.some((v) => v.id === h.id));
    return { module: input.module, q: input.q, records: [...viaContact, ...found].slice(0, SEARCH_LIMIT) };
  }

  /** Way 2, step 2: attach to the chosen record, whatever the e-mail settings say. */
  async attach(body: unknown, caller: MailCaller, logger: Logger): Promise<ActionAnswer> {
    const input = parse(AttachInput, body);
    const { identity, message } = await this.load(caller, input.user, input.messageId);
    const direction = directionOf(message, identity.addresses);
    const target = input.create
      ? await this.created(input.module as 'Leads' | 'Contacts', input.create, message, direction, identity)
      : await this.existing(input.module, input.recordId!);
    const result = await this.filer.file(
      {
        userId: identity.id,
        identity,
        message,
        direction,
        target,
        attachments: input.attachments ?? false,
        reuse: false,
      },
      logger,
    );
    return this.answer(identity.id, message.id, outcomeOf(result));
  }

  private async existing(module: string, recordId: string): Promise<Extract<FilingTarget, { kind: 'record' }>> {
    const nameField = module === 'Deals' ? 'Deal_Name' : 'Full_Name';
    const record = await this.deps.zoho.getRecord(module, recordId, [nameField]);
    if (!record) throw new MailActionError(404, `There is no ${module} record ${recordId} in Zoho`);
    return { kind: 'record', module, id: recordId, name: typeof record[nameField] === 'string' ? (record[nameField] as string) : undefined };
  }

  /**
   * Search and add found nothing: a Lead or Contact for the counterpart (or the address given),
   * created once per address across requests and workers (the filer's look-up claim; a record
   * Zoho already has under that address is used instead), with the Lead status chosen.
   */
  private async created(module: 'Leads' | 'Contacts', create: CreateInput, message: GraphMessage, direction: Direction, identity: MailboxIdentity): Promise<Extract<FilingTarget, { kind: 'record' }>> {
    const person = personToCreate(message, direction, identity.addresses, create);
    if (!person.ok) throw new MailActionError(400, person.error);
    const extra: Record<string, unknown> = {};
    if (create.leadStatus !== undefined) {
      const status = chooseLeadStatus((await this.deps.zoho.getFields('Leads')).find((f) => f.api_name === 'Lead_Status'), create.leadStatus);
      if (!status.ok) throw new MailActionError(400, `leadStatus "${create.leadStatus}" is not a Lead status of this Zoho org; valid: ${status.valid.join(', ')}`, { valid: status.valid });
      extra.Lead_Status = status.value;
    }
    const made = await this.filer.createFor(module, person.address, person.name, identity.id, extra);
    return { kind: 'record', module, id: made.id, name: made.name, created: made.created };
  }

  /**
   * SPEC §3.1: a Case from a received e-mail whose sender is a Contact. One Case per e-mail
   * (Internet message id), org-wide: the creation is claimed in the look-up table, so a repeated
   * or concurrent request returns the same Case.
   */
  async createCase(body: unknown, caller: MailCaller, logger: Logger): Promise<ActionAnswer> {
    const input = parse(CaseInput, body);
    const { identity, message } = await this.load(caller, input.user, input.messageId);
    const fields = await this.deps.zoho.getFields(CASES_MODULE);
    const status = chooseCaseStatus(fields.find((f) => f.api_name === 'Status'), input.status);
    if (!status.ok) throw new MailActionError(400, `status "${input.status}" is not a Case status of this Zoho org; valid: ${status.valid.join(', ')}`, { valid: status.valid });

    const sender = normalizeAddress(message.from?.emailAddress?.address ?? message.sender?.emailAddress?.address);
    if (!sender) throw new MailActionError(409, 'The e-mail has no sender address, so it cannot become a Case');
    const contact = (await this.deps.zoho.earliestByField('Contacts', 'Email', [sender], ['Email', 'Full_Name'])).get(sender);
    if (!contact) {
      throw new MailActionError(409, 'The sender is not a Zoho Contact. Only e-mails from existing Contacts become Cases: add the sender as a Contact first, or attach the e-mail with mail/add or mail/attach.');
    }
    const contactId = String(contact.id);
    const key = messageKey(message);
    const label = (message.subject ?? '').trim() || '(no subject)';

    const notes: string[] = [];
    let cutFields: string[] = [];
    // One Case per e-mail: a Case deleted in Zoho since is made again.
    const made = await createOnce(this.deps.lookupClaims, CASES_MODULE, key, this.now(), {
      stillThere: async (id: string) => Boolean(await this.deps.zoho.getRecord(CASES_MODULE, id, ['Subject'])),
      create: async () => {
        await assertAllowed(this.deps.rights, identity.id, CASES_MODULE, 'create');
        const [rules, ownerId] = await Promise.all([this.deps.directory.fieldRules(CASES_MODULE), this.deps.directory.ownerFor(identity.id)]);
        const built = buildCaseRecord({ message, sender, contactId, status: status.value, originField: fields.find((f) => f.api_name === 'Case_Origin'), rules, ownerId });
        const [r] = await this.deps.zoho.insertRecords(CASES_MODULE, [built.record], { trigger: this.deps.config.ZOHO_TRIGGER });
        if (r.status === 'error') throw new ZohoRecordRefused(r, CASES_MODULE);
        notes.push(...built.notes);
        cutFields = built.cutFields;
        return { id: r.id };
      },
    });
    const caseId = made.id;
    const created = made.created;
    if (input.attachments && message.hasAttachments) notes.push(...(await this.attachToCase(identity.id, message.id, caseId, logger)));
    logger.info('e-mail added as a Case', { created, attachments: input.attachments === true });
    const line: RecordLine = {
      subject: `${CASES_MODULE}/${caseId}`,
      result: created ? 'added' : 'unchanged',
      label,
      reason: created ? `Case created for Contact ${contactId}` : 'a Case for this e-mail already exists; no second Case was created',
      zohoModule: CASES_MODULE,
      zohoId: caseId,
      cutFields: cutFields.length ? cutFields : undefined,
      notes: notes.length ? notes : undefined,
    };
    return this.write(identity.id, message.id, [line]);
  }

  /**
   * Cases take no associate-email: files go to the record's Attachments (≤ 20 MB each), each one
   * claimed by the Case id and its name/size so a repeated request adds nothing twice.
   */
  private async attachToCase(userId: string, messageId: string, caseId: string, logger: Logger): Promise<string[]> {
    const list = await this.mailGraph.listAttachments(userId, messageId);
    const plan = planAttachments(list, 'record');
    const keys = attachmentKeys(list);
    const notes: string[] = plan.leftOut.map((l) => `attachment left out: ${l.name}: ${l.why}`);
    if (plan.inline > 0) notes.push(`${plan.inline} inline image(s) left out (part of the body, not attached files)`);
    const claims = this.deps.lookupClaims;
    const attached: string[] = [];
    const already: string[] = [];
    for (const a of plan.take) {
      const name = a.name?.trim() || 'attachment';
      const claimKey = `${caseId}|${keys[list.indexOf(a)]}`;
      if ((await claims.get(CASE_ATTACHMENTS, claimKey))?.state === 'done') {
        already.push(name);
        continue;
      }
      if (!(await claims.claim(CASE_ATTACHMENTS, claimKey, this.now(), CLAIM_STALE_MS))) {
        notes.push(`attachment ${name}: being added by another request`);
        continue;
      }
      try {
        const bytes = await this.mailGraph.downloadAttachment(userId, messageId, a.id);
        // addAttachment refuses a file over Zoho's 20 MB itself (413, no call), caught below.
        const { id } = await this.deps.zoho.addAttachment(CASES_MODULE, caseId, { name, content: bytes, contentType: a.contentType ?? undefined });
        await claims.done(CASE_ATTACHMENTS, claimKey, id);
        attached.push(name);
      } catch (err) {
        await claims.release(CASE_ATTACHMENTS, claimKey);
        if (err instanceof ZohoApiError && !err.transient) {
          logger.warn('Zoho refused a Case attachment', err.toLogProps());
          notes.push(`attachment left out: ${name}: ${zohoReason(err.code, err.apiName, err.zohoMessage)}`);
        } else {
          throw err;
        }
      }
    }
    if (attached.length > 0) notes.unshift(`attachments: ${attached.join(', ')}`);
    if (already.length > 0) notes.push(`already attached: ${already.join(', ')}`);
    return notes;
  }

  private async load(caller: MailCaller, user: string | undefined, messageId: string): Promise<{ identity: MailboxIdentity; message: NonNullable<Awaited<ReturnType<MailGraph['readMessage']>>> }> {
    const target = mailboxFor(caller, user);
    if (!target) throw new MailActionError(400, 'user is required (an object id or a UPN)');
    // Graph's 400 here is about the id the caller gave (the only input of these two reads).
    const identity = await callerId(() => this.mailGraph.identity(target.mailbox), 'Microsoft 365 does not accept this user name');
    if (!identity) throw new MailActionError(404, 'No such user in the directory');
    assertOwnAddress(target.claimedUpn, identity.addresses);
    const message = await callerId(() => this.mailGraph.readMessage(identity.id, messageId), 'Microsoft 365 does not accept this messageId');
    if (!message) throw new MailActionError(404, 'No such message in that mailbox');
    return { identity, message };
  }

  private answer(userId: string, messageId: string, outcome: FilingOutcome): Promise<ActionAnswer> {
    return this.write(userId, messageId, recordLines(outcome));
  }

  private async write(userId: string, messageId: string, lines: RecordLine[]): Promise<ActionAnswer> {
    const now = this.now();
    const at = now.toISOString();
    const runId = RunRepository.automaticRunId(now);
    await this.deps.runs.ensureRun({ id: runId, kind: 'automatic', state: 'running', createdAt: at });
    const items: ReportItem[] = [];
    for (const { subject, ...line } of lines) {
      const item: ReportItem = { ...line, runId, userId, module: 'mail', itemId: `${messageId}/${subject}`, at };
      await this.deps.runs.putItem(item);
      items.push(stripUndefined(item));
    }
    return { runId, items };
  }
}

function outcomeOf(result: FilingResult): FilingOutcome {
  if (result.kind === 'unchanged') throw new Error('operator actions never reuse an earlier pass');
  return result.outcome;
}

async function callerId<T>(read: () => Promise<T>, refusal: string): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof GraphBadRequestError) throw new MailActionError(400, refusal, { code: err.code });
    throw err;
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = describeIssues(r.error);
  throw new MailActionError(400, issues.join('; '), { issues });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
