import { randomUUID } from 'node:crypto';
import type { DoubleContext, GraphArea, NotificationTarget } from './context';
import { deltaResponse } from './delta';
import { headerValue, json, noContent, parseJsonBody, type DoubleRequest, type DoubleResponse } from './http';
import { storedId, wantsImmutableIds, wireId } from './immutable-id';
import { itemNotFound, selectOf, writableFields } from './outlook';
import { listResponse, pick } from './paging';
import type { Router } from './router';
import { changeKey, etagOf, outlookId, timestamp, type Mailbox } from './store';
import { TrackedCollection } from './tracked';

/**
 * Mail (graph.md §6.4, §5): well-known folders (`sentitems`, `inbox`, ...), messages per folder
 * and per mailbox, `mailFolders/{id}/messages/delta` with the messages-only
 * `changeType=created|updated|deleted` parameter, attachments (list, one, `$value` bytes), and
 * `Prefer: outlook.body-content-type="text"`. `internetMessageHeaders` and `uniqueBody` are only
 * returned when `$select`ed, as in Graph. One message is answered with its regular id unless
 * `Prefer: IdType="ImmutableId"` asks otherwise (./immutable-id.ts); lists and delta always carry
 * immutable ids.
 */
const WELL_KNOWN = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive', 'junkemail', 'outbox'] as const;
const DISPLAY: Record<(typeof WELL_KNOWN)[number], string> = {
  inbox: 'Inbox', sentitems: 'Sent Items', drafts: 'Drafts', deleteditems: 'Deleted Items', archive: 'Archive', junkemail: 'Junk Email', outbox: 'Outbox',
};
const ONLY_WITH_SELECT = ['internetMessageHeaders', 'uniqueBody'];
const MESSAGE_WRITABLE = ['subject', 'body', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo', 'from', 'sender', 'categories', 'importance', 'isRead', 'flag', 'internetMessageHeaders'] as const;
const MESSAGE_READ_ONLY = ['id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'parentFolderId', 'conversationId', 'conversationIndex', 'internetMessageId', 'hasAttachments', 'bodyPreview', 'webLink', 'sentDateTime', 'receivedDateTime', 'isDraft'];

export interface MailFolderRecord {
  id: string;
  displayName: string;
  wellKnownName: string | null;
}

export interface AttachmentSeed {
  name: string;
  contentType: string;
  content: Buffer | string;
  isInline?: boolean;
  contentId?: string;
  /** default `fileAttachment`; item and reference attachments have no bytes to copy */
  kind?: 'fileAttachment' | 'itemAttachment' | 'referenceAttachment';
}

interface AttachmentRecord {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId: string | null;
  lastModifiedDateTime: string;
  bytes: string;
  kind: 'fileAttachment' | 'itemAttachment' | 'referenceAttachment';
}

export interface MessageRecord {
  id: string;
  parentFolderId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  fields: Record<string, unknown>;
  attachments: AttachmentRecord[];
}

interface MailState {
  folders: Map<string, MailFolderRecord>;
  messages: TrackedCollection<MessageRecord>;
}

export interface MessageSeedOptions {
  /** Folder id or well-known name; default `sentitems`. */
  folder?: string;
  attachments?: AttachmentSeed[];
}

export class MailArea implements GraphArea {
  readonly notificationKinds = ['message'] as const;
  private ctx!: DoubleContext;

  // ---- test API -------------------------------------------------------------------------------

  /** A message as Graph would store it; `from`/`sender` default to the mailbox owner. */
  add(userId: string, fields: Record<string, unknown>, opts: MessageSeedOptions = {}): Record<string, unknown> {
    const box = this.ctx.store.mailbox(userId);
    const state = this.state(box);
    const folderId = this.folderOf(state, opts.folder ?? 'sentitems').id;
    const user = this.ctx.store.findUser(userId)!;
    const me = { emailAddress: { name: user.displayName, address: user.mail ?? user.userPrincipalName } };
    const now = timestamp();
    const record = state.messages.put({
      id: outlookId(), parentFolderId: folderId, createdDateTime: now, lastModifiedDateTime: now, changeKey: changeKey(),
      fields: {
        from: me, sender: me, toRecipients: [], ccRecipients: [], bccRecipients: [], replyTo: [], categories: [], importance: 'normal',
        isRead: true, subject: '', body: { contentType: 'html', content: '' }, internetMessageId: `<${randomUUID()}@double.local>`,
        conversationId: outlookId(), sentDateTime: now, receivedDateTime: now, flag: { flagStatus: 'notFlagged' }, internetMessageHeaders: [],
        ...fields,
      },
      attachments: (opts.attachments ?? []).map((a) => attachment(a)),
    });
    return render(record, undefined, false, state);
  }

  update(userId: string, id: string, fields: Record<string, unknown>): Record<string, unknown> {
    const state = this.state(this.ctx.store.mailbox(userId));
    const current = state.messages.get(id);
    if (!current) throw new Error(`graph double: no message ${id}`);
    return render(state.messages.put({ ...current, fields: { ...current.fields, ...fields }, changeKey: changeKey(), lastModifiedDateTime: timestamp() }), undefined, false, state);
  }

  move(userId: string, id: string, folder: string): void {
    const state = this.state(this.ctx.store.mailbox(userId));
    const current = state.messages.get(id);
    if (!current) throw new Error(`graph double: no message ${id}`);
    state.messages.put({ ...current, parentFolderId: this.folderOf(state, folder).id, changeKey: changeKey(), lastModifiedDateTime: timestamp() });
  }

  remove(userId: string, id: string): void {
    if (!this.state(this.ctx.store.mailbox(userId)).messages.remove(id)) throw new Error(`graph double: no message ${id}`);
  }

  folderId(userId: string, wellKnownName: string): string {
    return this.folderOf(this.state(this.ctx.store.mailbox(userId)), wellKnownName).id;
  }

  // ---- notifications --------------------------------------------------------------------------

  describe(userId: string, _kind: string, id: string): NotificationTarget {
    const state = this.state(this.ctx.store.mailbox(userId));
    const message = state.messages.get(id);
    const known = message ?? state.messages.lastKnown(id);
    const uid = userId.toLowerCase();
    const candidates = [`users/${uid}/messages`];
    if (known) {
      const folder = state.folders.get(known.parentFolderId)!;
      candidates.push(`users/${uid}/mailfolders/${folder.id.toLowerCase()}/messages`);
      if (folder.wellKnownName) candidates.push(`users/${uid}/mailfolders/${folder.wellKnownName}/messages`);
    }
    return { candidates, resource: `Users/${userId}/Messages/${id}`, odataType: '#Microsoft.Graph.Message', etag: message ? etagOf(message.changeKey) : undefined };
  }

  // ---- routes ---------------------------------------------------------------------------------

  register(router: Router, ctx: DoubleContext): void {
    this.ctx = ctx;
    const box = (req: DoubleRequest) => ctx.store.mailboxFor(req.params.user);
    const stateOf = (req: DoubleRequest) => this.state(box(req));
    const textBody = (req: DoubleRequest) => /outlook\.body-content-type\s*=\s*"?text"?/i.test(headerValue(req.headers, 'prefer') ?? '');
    const entity = (req: DoubleRequest) => `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/messages/$entity`;
    const messageOf = (req: DoubleRequest, folderId?: string) => {
      const m = stateOf(req).messages.get(storedId(req.params.id));
      if (!m || (folderId && m.parentFolderId !== folderId)) throw itemNotFound();
      return m;
    };
    const list = (req: DoubleRequest, folderId?: string) => {
      const state = stateOf(req);
      return listResponse(req, state.messages.list((m) => !folderId || m.parentFolderId === folderId), {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/messages`, defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (m, select) => render(m, select, textBody(req), state),
      });
    };
    const getOne = (req: DoubleRequest, folderId?: string) =>
      json(200, { '@odata.context': entity(req), ...render(messageOf(req, folderId), selectOf(req.query), textBody(req), stateOf(req), wantsImmutableIds(req)) });
    const patchOne = (req: DoubleRequest) => {
      const state = stateOf(req);
      const m = messageOf(req);
      const fields = writableFields(parseJsonBody(req), MESSAGE_WRITABLE, MESSAGE_READ_ONLY, 'message');
      return json(200, render(state.messages.put({ ...m, fields: { ...m.fields, ...fields }, changeKey: changeKey(), lastModifiedDateTime: timestamp() }), undefined, false, state, wantsImmutableIds(req)));
    };
    const deleteOne = (req: DoubleRequest) => {
      stateOf(req).messages.remove(messageOf(req).id);
      return noContent();
    };

    router.get('/users/{user}/mailFolders', (req) =>
      listResponse(req, [...stateOf(req).folders.values()], {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/mailFolders`, defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (f, select) => folderJson(f, stateOf(req), select),
      }),
    );
    router.get('/users/{user}/mailFolders/{folder}', (req) => json(200, folderJson(this.folderOf(stateOf(req), req.params.folder), stateOf(req), selectOf(req.query))));
    router.get('/users/{user}/mailFolders/{folder}/messages', (req) => list(req, this.folderOf(stateOf(req), req.params.folder).id));
    router.get('/users/{user}/mailFolders/{folder}/messages/delta', (req) => {
      const mailbox = box(req);
      const state = this.state(mailbox);
      const folder = this.folderOf(state, req.params.folder);
      return deltaResponse(req, { origin: ctx.origin, defaultPageSize: ctx.outlookPageSize, generation: mailbox.deltaGeneration }, {
        key: `messages:${mailbox.userId}:${folder.id}`,
        collection: state.messages,
        odataType: '#microsoft.graph.message',
        entitySet: 'message',
        changeTypeParam: true,
        scope: () => (m) => m.parentFolderId === folder.id,
        render: (m, select) => render(m, select?.split(','), textBody(req), state),
      }, ctx.store.clock.now());
    });
    router.get('/users/{user}/mailFolders/{folder}/messages/{id}', (req) => getOne(req, this.folderOf(stateOf(req), req.params.folder).id));
    router.get('/users/{user}/messages', (req) => list(req));
    router.get('/users/{user}/messages/{id}', (req) => getOne(req));
    router.patch('/users/{user}/messages/{id}', patchOne);
    router.delete('/users/{user}/messages/{id}', deleteOne);
    router.get('/users/{user}/messages/{id}/attachments', (req) => {
      const m = messageOf(req);
      return listResponse(req, m.attachments, {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/messages('${m.id}')/attachments`, defaultSize: 1000, maxTop: 1000, style: 'skip',
        project: (a, select) => attachmentJson(a, select),
      });
    });
    router.get('/users/{user}/messages/{id}/attachments/{attachment}', (req) => {
      const a = messageOf(req).attachments.find((x) => x.id === req.params.attachment);
      if (!a) throw itemNotFound();
      return json(200, attachmentJson(a, selectOf(req.query)));
    });
    router.get('/users/{user}/messages/{id}/attachments/{attachment}/$value', (req): DoubleResponse => {
      const a = messageOf(req).attachments.find((x) => x.id === req.params.attachment);
      if (!a) throw itemNotFound();
      return { status: 200, headers: { 'Content-Type': a.contentType }, body: Buffer.from(a.bytes, 'base64') };
    });
  }

  private state(box: Mailbox): MailState {
    return box.area('mail', () => {
      const folders = new Map<string, MailFolderRecord>();
      for (const name of WELL_KNOWN) {
        const id = outlookId();
        folders.set(id, { id, displayName: DISPLAY[name], wellKnownName: name });
      }
      return { folders, messages: new TrackedCollection<MessageRecord>(this.ctx.store.clock) };
    });
  }

  private folderOf(state: MailState, idOrName: string): MailFolderRecord {
    const lower = idOrName.toLowerCase();
    const folder = state.folders.get(idOrName) ?? [...state.folders.values()].find((f) => f.wellKnownName === lower);
    if (!folder) throw itemNotFound();
    return folder;
  }
}

function attachment(seed: AttachmentSeed): AttachmentRecord {
  const bytes = Buffer.isBuffer(seed.content) ? seed.content : Buffer.from(seed.content);
  return {
    id: outlookId(), name: seed.name, contentType: seed.contentType, size: bytes.length, isInline: seed.isInline ?? false,
    contentId: seed.contentId ?? null, lastModifiedDateTime: timestamp(), bytes: bytes.toString('base64'), kind: seed.kind ?? 'fileAttachment',
  };
}

function attachmentJson(a: AttachmentRecord, select: string[] | undefined): Record<string, unknown> {
  const full: Record<string, unknown> = {
    '@odata.type': `#microsoft.graph.${a.kind}`,
    '@odata.mediaContentType': a.contentType,
    id: a.id, lastModifiedDateTime: a.lastModifiedDateTime, name: a.name, contentType: a.contentType, size: a.size,
    isInline: a.isInline, contentId: a.contentId, contentLocation: null, contentBytes: a.bytes,
  };
  if (a.kind !== 'fileAttachment') {
    for (const key of ['@odata.mediaContentType', 'contentId', 'contentLocation', 'contentBytes']) delete full[key];
    if (a.kind === 'itemAttachment') full.contentType = null;
  }
  return select ? pick(full, select, ['@odata.type', '@odata.mediaContentType', 'id']) : full;
}

function folderJson(f: MailFolderRecord, state: MailState, select: string[] | undefined): Record<string, unknown> {
  const items = state.messages.list((m) => m.parentFolderId === f.id);
  const full = { id: f.id, displayName: f.displayName, parentFolderId: null, childFolderCount: 0, unreadItemCount: items.filter((m) => !m.fields.isRead).length, totalItemCount: items.length, sizeInBytes: 0, isHidden: false };
  return select ? pick(full, select, ['id']) : full;
}

function render(m: MessageRecord, select: string[] | undefined, asText: boolean, state: MailState, immutable = true): Record<string, unknown> {
  const f = m.fields;
  const body = (f.body as { contentType?: string; content?: string }) ?? { contentType: 'html', content: '' };
  const plain = String(body.content ?? '').replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
  const full: Record<string, unknown> = {
    '@odata.etag': etagOf(m.changeKey),
    id: wireId(m.id, immutable),
    createdDateTime: m.createdDateTime,
    lastModifiedDateTime: m.lastModifiedDateTime,
    changeKey: m.changeKey,
    categories: f.categories,
    receivedDateTime: f.receivedDateTime,
    sentDateTime: f.sentDateTime,
    hasAttachments: m.attachments.some((a) => !a.isInline),
    internetMessageId: f.internetMessageId,
    subject: f.subject,
    bodyPreview: plain.slice(0, 255),
    importance: f.importance,
    parentFolderId: m.parentFolderId,
    conversationId: f.conversationId,
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: f.isRead,
    isDraft: state.folders.get(m.parentFolderId)?.wellKnownName === 'drafts',
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(m.id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: 'focused',
    body: asText ? { contentType: 'text', content: plain } : { contentType: body.contentType ?? 'html', content: body.content ?? '' },
    sender: f.sender,
    from: f.from,
    toRecipients: f.toRecipients,
    ccRecipients: f.ccRecipients,
    bccRecipients: f.bccRecipients,
    replyTo: f.replyTo,
    flag: f.flag,
    internetMessageHeaders: f.internetMessageHeaders,
    uniqueBody: asText ? { contentType: 'text', content: plain } : { contentType: body.contentType ?? 'html', content: body.content ?? '' },
  };
  if (select) return pick(full, select, ['@odata.etag', 'id']);
  for (const hidden of ONLY_WITH_SELECT) delete full[hidden];
  return full;
}

