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
import type { Config } from '../config';
import type { GraphApi } from '../graph/client';
import type { Logger } from '../log';
import { normalizeAddress } from '../mapping/address';
import type { LinkRepository } from '../state/links';
import { isObjectId } from '../provision/request';
import type { LookupClaimRepository } from '../state/lookup-claims';
import { RunRepository, type ReportItem } from '../state/runs';
import type { Directory } from '../sync/directory';
import { createOnce } from '../sync/create-once';
import { CLAIM_STALE_MS, type ItemReport } from '../sync/engine';
import type { SyncItemMessage } from '../sync/messages';
import { ItemBusyError, ZohoRecordRefused, zohoReason } from '../sync/outcome';
import { ZohoApiError } from '../zoho/errors';
import { MailFiler, type FilingResult, type MailZoho } from './associate';
import { attachmentKeys, planAttachments } from './attachments';
import { captureModules, captureSentMail } from './capture';
import { buildCaseRecord, CASES_MODULE, chooseCaseStatus } from './case';
import { MailGraph, type MailboxIdentity } from './graph';
import { directionOf } from './recipients';
import { recordLines, type FilingOutcome, type RecordLine } from './report';
import { rankHits, SEARCH_LIMIT, SearchInput, searchQueryFor, toHit, type SearchHit } from './search';
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
}

const userField = z
  .string({ error: 'user is required (object id or UPN)' })
  .trim()
  .min(1, 'user is required (object id or UPN)')
  .max(320)
  .refine((v) => isObjectId(v) || /^[^\s@/]+@[^\s@/]+$/.test(v), 'user must be an object id or a UPN');
const messageIdField = z.string({ error: 'messageId is required' }).trim().min(1, 'messageId is required').max(1024);
const attachmentsField = z.boolean({ error: 'attachments must be true or false' }).optional();

export const AddInput = z.object({ user: userField, messageId: messageIdField });
export const AttachInput = z.object({
  user: userField,
  messageId: messageIdField,
  module: z.enum(['Leads', 'Contacts', 'Deals'], { error: 'module must be one of Leads, Contacts, Deals' }),
  recordId: z.string({ error: 'recordId is required' }).trim().regex(/^\d{1,30}$/, 'recordId must be a Zoho record id'),
  attachments: attachmentsField,
});
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
    });
  }

  /** The sync worker's handler for module `mail` (Sent Items notifications and resyncs). */
  capture(msg: SyncItemMessage, logger: Logger): Promise<ItemReport | undefined> {
    return captureSentMail(msg, { graph: this.mailGraph, filer: this.filer, config: this.deps.config }, logger);
  }

  /** Way 1: attach by the e-mail settings; any folder; for received mail the sender is the counterpart. */
  async add(body: unknown, logger: Logger): Promise<ActionAnswer> {
    const input = parse(AddInput, body);
    const { identity, message } = await this.load(input.user, input.messageId);
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
    const rows = await this.deps.zoho.searchRecords(input.module, searchQueryFor(input), SEARCH_LIMIT);
    return { module: input.module, q: input.q, records: rankHits(input, rows.map((r) => toHit(input.module, r))).slice(0, SEARCH_LIMIT) };
  }

  /** Way 2, step 2: attach to the chosen record, whatever the e-mail settings say. */
  async attach(body: unknown, logger: Logger): Promise<ActionAnswer> {
    const input = parse(AttachInput, body);
    const { identity, message } = await this.load(input.user, input.messageId);
    const nameField = input.module === 'Deals' ? 'Deal_Name' : 'Full_Name';
    const record = await this.deps.zoho.getRecord(input.module, input.recordId, [nameField]);
    if (!record) throw new MailActionError(404, `There is no ${input.module} record ${input.recordId} in Zoho`);
    const name = typeof record[nameField] === 'string' ? (record[nameField] as string) : undefined;
    const result = await this.filer.file(
      {
        userId: identity.id,
        identity,
        message,
        direction: directionOf(message, identity.addresses),
        target: { kind: 'record', module: input.module, id: input.recordId, name },
        attachments: input.attachments ?? false,
        reuse: false,
      },
      logger,
    );
    return this.answer(identity.id, message.id, outcomeOf(result));
  }

  /**
   * SPEC §3.1: a Case from a received e-mail whose sender is a Contact. One Case per e-mail
   * (Internet message id), org-wide: the creation is claimed in the look-up table, so a repeated
   * or concurrent request returns the same Case.
   */
  async createCase(body: unknown, logger: Logger): Promise<ActionAnswer> {
    const input = parse(CaseInput, body);
    const { identity, message } = await this.load(input.user, input.messageId);
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

  private async load(user: string, messageId: string): Promise<{ identity: MailboxIdentity; message: NonNullable<Awaited<ReturnType<MailGraph['readMessage']>>> }> {
    const identity = await this.mailGraph.identity(user);
    if (!identity) throw new MailActionError(404, 'No such user in the directory');
    const message = await this.mailGraph.readMessage(identity.id, messageId);
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

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => i.message);
  throw new MailActionError(400, issues.join('; '), { issues });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
