import type { DoubleContext, GraphArea, NotificationTarget } from './context';
import { deltaResponse } from './delta';
import { GraphHttpError, json, noContent, parseJsonBody, type DoubleRequest } from './http';
import { parseFilter } from './odata';
import { itemNotFound } from './outlook';
import { listResponse, pick } from './paging';
import type { Router } from './router';
import { changeKey, etagOf, outlookId, timestamp, type Mailbox } from './store';
import { TrackedCollection } from './tracked';

/**
 * Personal contacts (graph.md §6.1): CRUD per user, contact folders, $select, extended properties
 * through `$expand=singleValueExtendedProperties($filter=id eq 'String 0x3A24' or ...)`, and
 * delta per folder (`/contactFolders/{id}/contacts/delta`, plus the widely used
 * `/contacts/delta` for the default folder). Every write bumps changeKey and @odata.etag.
 */

/** Graph's contact properties with the values a new contact has. */
const CONTACT_DEFAULTS: Record<string, unknown> = {
  categories: [], birthday: null, fileAs: '', displayName: '', givenName: null, initials: null,
  middleName: null, nickName: null, surname: null, title: null, yomiGivenName: null, yomiSurname: null,
  yomiCompanyName: null, generation: null, imAddresses: [], jobTitle: null, companyName: null,
  department: null, officeLocation: null, profession: null, businessHomePage: null, assistantName: null,
  manager: null, homePhones: [], mobilePhone: null, businessPhones: [], spouseName: null,
  personalNotes: '', children: [], emailAddresses: [], homeAddress: {}, businessAddress: {}, otherAddress: {},
};
const READ_ONLY = ['id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'parentFolderId', '@odata.etag', '@odata.context', '@odata.type'];
const WRITABLE = new Set(Object.keys(CONTACT_DEFAULTS).map((k) => k.toLowerCase()));

export interface ContactRecord {
  id: string;
  parentFolderId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  fields: Record<string, unknown>;
  /** Single-value extended properties by id ('String 0x3A24' → value). */
  ext: Record<string, string>;
}

export interface ContactFolderRecord {
  id: string;
  displayName: string;
  parentFolderId: string;
}

interface ContactsState {
  rootId: string;
  defaultFolderId: string;
  folders: TrackedCollection<ContactFolderRecord>;
  contacts: TrackedCollection<ContactRecord>;
}

export interface ContactSeedOptions {
  folderId?: string;
  /** e.g. { 'String 0x3A24': '+81 3 1234 5678' } (business fax). */
  extendedProperties?: Record<string, string>;
}

export class ContactsArea implements GraphArea {
  readonly notificationKinds = ['contact'] as const;
  /**
   * Reproduces one public report (graph.md §6.1): an `or`-combined extended-property filter
   * answers 200 with no properties at all. Off by default.
   */
  orFilterDropsExtendedProperties = false;
  private ctx!: DoubleContext;

  // ---- test API -------------------------------------------------------------------------------

  add(userId: string, fields: Record<string, unknown>, opts: ContactSeedOptions = {}): Record<string, unknown> {
    const state = this.state(this.ctx.store.mailbox(userId));
    const folderId = opts.folderId ? this.folderIdOf(state, opts.folderId) : state.defaultFolderId;
    const record = create(state, folderId, fields, opts.extendedProperties ?? {});
    return render(record, undefined, () => true);
  }

  update(userId: string, id: string, fields: Record<string, unknown>, opts: { extendedProperties?: Record<string, string | null> } = {}): Record<string, unknown> {
    const state = this.state(this.ctx.store.mailbox(userId));
    const current = state.contacts.get(id);
    if (!current) throw new Error(`graph double: no contact ${id}`);
    return render(applyPatch(state, current, fields, opts.extendedProperties ?? {}), undefined, () => true);
  }

  /** Moves a contact to another folder (delta reports it removed from the old one). */
  move(userId: string, id: string, folderId: string): void {
    const state = this.state(this.ctx.store.mailbox(userId));
    const current = state.contacts.get(id);
    if (!current) throw new Error(`graph double: no contact ${id}`);
    state.contacts.put({ ...current, parentFolderId: this.folderIdOf(state, folderId), changeKey: changeKey(), lastModifiedDateTime: timestamp() });
  }

  remove(userId: string, id: string): void {
    if (!this.state(this.ctx.store.mailbox(userId)).contacts.remove(id)) throw new Error(`graph double: no contact ${id}`);
  }

  /** The stored contact with every extended property, or undefined. */
  get(userId: string, id: string): Record<string, unknown> | undefined {
    const record = this.state(this.ctx.store.mailbox(userId)).contacts.get(id);
    return record ? render(record, undefined, () => true) : undefined;
  }

  list(userId: string): Record<string, unknown>[] {
    return this.state(this.ctx.store.mailbox(userId)).contacts.list().map((r) => render(r, undefined, undefined));
  }

  addFolder(userId: string, displayName: string, parentFolderId?: string): ContactFolderRecord {
    const state = this.state(this.ctx.store.mailbox(userId));
    const parent = parentFolderId ? this.folderIdOf(state, parentFolderId) : state.defaultFolderId;
    return state.folders.put({ id: outlookId(), displayName, parentFolderId: parent });
  }

  defaultFolderId(userId: string): string {
    return this.state(this.ctx.store.mailbox(userId)).defaultFolderId;
  }

  // ---- notifications --------------------------------------------------------------------------

  describe(userId: string, _kind: string, itemId: string): NotificationTarget {
    const state = this.state(this.ctx.store.mailbox(userId));
    const record = state.contacts.get(itemId);
    const known = record ?? state.contacts.lastKnown(itemId);
    const uid = userId.toLowerCase();
    const candidates = [`users/${uid}/contacts`];
    if (known) candidates.push(`users/${uid}/contactfolders/${known.parentFolderId.toLowerCase()}/contacts`);
    if (known?.parentFolderId === state.defaultFolderId) candidates.push(`users/${uid}/contactfolders/contacts/contacts`);
    return {
      candidates,
      resource: `Users/${userId}/Contacts/${itemId}`,
      odataType: '#Microsoft.Graph.Contact',
      etag: record ? etagOf(record.changeKey) : undefined,
    };
  }

  // ---- routes ---------------------------------------------------------------------------------

  register(router: Router, ctx: DoubleContext): void {
    this.ctx = ctx;
    const box = (req: DoubleRequest) => ctx.store.mailboxFor(req.params.user);
    const stateOf = (req: DoubleRequest) => this.state(box(req));
    const folderOf = (req: DoubleRequest) => this.folderIdOf(stateOf(req), req.params.folder);

    const list = (req: DoubleRequest, folderId: string) => {
      const state = stateOf(req);
      const ext = expansion(req, this.orFilterDropsExtendedProperties);
      return listResponse(req, state.contacts.list((c) => c.parentFolderId === folderId, true), {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/contacts`, defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (c, select) => render(c, select, ext),
        filterView: (c) => render(c, undefined, undefined),
      });
    };
    const getOne = (req: DoubleRequest, folderId?: string) => {
      const record = stateOf(req).contacts.get(req.params.id);
      if (!record || (folderId && record.parentFolderId !== folderId)) throw itemNotFound();
      const select = req.query.get('$select')?.split(',').map((s) => s.trim()).filter(Boolean);
      return json(200, {
        '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/contacts/$entity`,
        ...render(record, select, expansion(req, this.orFilterDropsExtendedProperties)),
      });
    };
    const createIn = (req: DoubleRequest, folderId: string) => {
      const body = parseJsonBody(req);
      const { fields, ext } = readContactBody(body);
      const record = create(stateOf(req), folderId, fields, ext);
      return json(201, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/contacts/$entity`, ...render(record, undefined, undefined) });
    };
    const patchOne = (req: DoubleRequest, folderId?: string) => {
      const state = stateOf(req);
      const record = state.contacts.get(req.params.id);
      if (!record || (folderId && record.parentFolderId !== folderId)) throw itemNotFound();
      const { fields, ext } = readContactBody(parseJsonBody(req));
      return json(200, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/contacts/$entity`, ...render(applyPatch(state, record, fields, ext), undefined, undefined) });
    };
    const deleteOne = (req: DoubleRequest, folderId?: string) => {
      const state = stateOf(req);
      const record = state.contacts.get(req.params.id);
      if (!record || (folderId && record.parentFolderId !== folderId)) throw itemNotFound();
      state.contacts.remove(record.id);
      return noContent();
    };
    const delta = (req: DoubleRequest, folderId: string) => {
      const mailbox = box(req);
      const state = this.state(mailbox);
      return deltaResponse(req, { origin: ctx.origin, defaultPageSize: ctx.outlookPageSize, generation: mailbox.deltaGeneration }, {
        key: `contacts:${mailbox.userId}:${folderId}`,
        collection: state.contacts,
        odataType: '#microsoft.graph.contact',
        entitySet: 'contact',
        scope: () => (c) => c.parentFolderId === folderId,
        render: (c, select) => render(c, select?.split(',').map((s) => s.trim()), undefined),
      }, ctx.store.clock.now());
    };

    router.get('/users/{user}/contacts', (req) => list(req, stateOf(req).defaultFolderId));
    router.post('/users/{user}/contacts', (req) => createIn(req, stateOf(req).defaultFolderId));
    router.get('/users/{user}/contacts/delta', (req) => delta(req, stateOf(req).defaultFolderId));
    router.get('/users/{user}/contacts/{id}', (req) => getOne(req));
    router.patch('/users/{user}/contacts/{id}', (req) => patchOne(req));
    router.delete('/users/{user}/contacts/{id}', (req) => deleteOne(req));

    router.get('/users/{user}/contactFolders', (req) => {
      const state = stateOf(req);
      // Graph: "the contact folder collection in the default Contacts folder".
      return listResponse(req, state.folders.list((f) => f.parentFolderId === state.defaultFolderId), {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/contactFolders`, defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (f, select) => (select ? pick({ ...f }, select, ['id']) : { ...f }),
      });
    });
    router.post('/users/{user}/contactFolders', (req) => createFolder(req, stateOf(req), stateOf(req).defaultFolderId, ctx));
    router.get('/users/{user}/contactFolders/delta', (req) => {
      const mailbox = box(req);
      const state = this.state(mailbox);
      return deltaResponse(req, { origin: ctx.origin, defaultPageSize: ctx.outlookPageSize, generation: mailbox.deltaGeneration }, {
        key: `contactFolders:${mailbox.userId}`,
        collection: state.folders,
        odataType: '#microsoft.graph.contactFolder',
        entitySet: 'contactFolder',
        scope: () => (f) => f.id !== state.rootId,
        render: (f) => ({ ...f }),
      }, ctx.store.clock.now());
    });
    router.get('/users/{user}/contactFolders/{folder}', (req) => {
      const folder = stateOf(req).folders.get(folderOf(req))!;
      return json(200, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/contactFolders/$entity`, ...folder });
    });
    router.get('/users/{user}/contactFolders/{folder}/childFolders', (req) => {
      const parent = folderOf(req);
      return listResponse(req, stateOf(req).folders.list((f) => f.parentFolderId === parent), {
        origin: ctx.origin, entitySet: 'contactFolders', defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (f, select) => (select ? pick({ ...f }, select, ['id']) : { ...f }),
      });
    });
    router.post('/users/{user}/contactFolders/{folder}/childFolders', (req) => createFolder(req, stateOf(req), folderOf(req), ctx));
    router.get('/users/{user}/contactFolders/{folder}/contacts', (req) => list(req, folderOf(req)));
    router.post('/users/{user}/contactFolders/{folder}/contacts', (req) => createIn(req, folderOf(req)));
    router.get('/users/{user}/contactFolders/{folder}/contacts/delta', (req) => delta(req, folderOf(req)));
    router.get('/users/{user}/contactFolders/{folder}/contacts/{id}', (req) => getOne(req, folderOf(req)));
    router.patch('/users/{user}/contactFolders/{folder}/contacts/{id}', (req) => patchOne(req, folderOf(req)));
    router.delete('/users/{user}/contactFolders/{folder}/contacts/{id}', (req) => deleteOne(req, folderOf(req)));
  }

  private state(box: Mailbox): ContactsState {
    return box.area('contacts', () => {
      const folders = new TrackedCollection<ContactFolderRecord>(this.ctx.store.clock);
      const rootId = outlookId();
      const defaultFolderId = outlookId();
      folders.put({ id: rootId, displayName: '', parentFolderId: '' });
      folders.put({ id: defaultFolderId, displayName: 'Contacts', parentFolderId: rootId });
      return { rootId, defaultFolderId, folders, contacts: new TrackedCollection<ContactRecord>(this.ctx.store.clock) };
    });
  }

  /** Folder id or the well-known name `contacts`; unknown → 404 like Graph. */
  private folderIdOf(state: ContactsState, idOrName: string): string {
    if (idOrName.toLowerCase() === 'contacts') return state.defaultFolderId;
    if (!state.folders.has(idOrName) || idOrName === state.rootId) throw itemNotFound();
    return idOrName;
  }
}

function createFolder(req: DoubleRequest, state: ContactsState, parentFolderId: string, ctx: DoubleContext) {
  const body = parseJsonBody(req);
  if (typeof body.displayName !== 'string' || body.displayName === '') throw new GraphHttpError(400, 'ErrorInvalidParameter', 'The displayName property is required.');
  const name = body.displayName;
  if (state.folders.list((f) => f.parentFolderId === parentFolderId && f.displayName.toLowerCase() === name.toLowerCase()).length) {
    throw new GraphHttpError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  }
  const folder = state.folders.put({ id: outlookId(), displayName: name, parentFolderId });
  return json(201, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/contactFolders/$entity`, ...folder });
}

function create(state: ContactsState, folderId: string, fields: Record<string, unknown>, ext: Record<string, string | null>): ContactRecord {
  const now = timestamp();
  const merged = { ...CONTACT_DEFAULTS, ...canonical(fields) };
  if (!fields.displayName) merged.displayName = [merged.givenName, merged.surname].filter(Boolean).join(' ');
  if (!fields.fileAs) merged.fileAs = merged.displayName;
  const record: ContactRecord = {
    id: outlookId(), parentFolderId: folderId, createdDateTime: now, lastModifiedDateTime: now, changeKey: changeKey(),
    fields: merged, ext: applyExt({}, ext),
  };
  return state.contacts.put(record);
}

function applyPatch(state: ContactsState, current: ContactRecord, fields: Record<string, unknown>, ext: Record<string, string | null>): ContactRecord {
  return state.contacts.put({
    ...current,
    fields: { ...current.fields, ...canonical(fields) },
    ext: applyExt(current.ext, ext),
    changeKey: changeKey(),
    lastModifiedDateTime: timestamp(),
  });
}

function applyExt(current: Record<string, string>, changes: Record<string, string | null>): Record<string, string> {
  const out = { ...current };
  for (const [id, value] of Object.entries(changes)) {
    const existing = Object.keys(out).find((k) => sameExtId(k, id));
    if (existing !== undefined) delete out[existing];
    if (value !== null) out[id] = value;
  }
  return out;
}

/** Property names as Graph spells them (requests may use any case). */
function canonical(fields: Record<string, unknown>): Record<string, unknown> {
  const names = Object.keys(CONTACT_DEFAULTS);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[names.find((n) => n.toLowerCase() === k.toLowerCase()) ?? k] = v;
  return out;
}

/** Splits a POST/PATCH body into contact properties and extended properties; unknown names → 400 like Graph. */
function readContactBody(body: Record<string, unknown>): { fields: Record<string, unknown>; ext: Record<string, string | null> } {
  const fields: Record<string, unknown> = {};
  const ext: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (READ_ONLY.some((r) => r.toLowerCase() === lower)) continue;
    if (lower === 'singlevalueextendedproperties') {
      if (!Array.isArray(value)) throw new GraphHttpError(400, 'RequestBodyRead', "An unexpected 'StartObject' node was found when reading from the JSON reader. A 'StartArray' node was expected.");
      for (const p of value as { id?: unknown; value?: unknown }[]) {
        if (typeof p?.id !== 'string') throw new GraphHttpError(400, 'ErrorInvalidExtendedPropertyValue', 'Extended property id is missing.');
        ext[p.id] = p.value === null || p.value === undefined ? null : String(p.value);
      }
      continue;
    }
    if (!WRITABLE.has(lower)) {
      throw new GraphHttpError(400, 'RequestBodyRead', `The property '${key}' does not exist on type 'microsoft.graph.contact'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
    }
    fields[key] = value;
  }
  return { fields, ext };
}

/**
 * `$expand=singleValueExtendedProperties($filter=...)`. Returns a predicate over extended
 * property ids, or undefined when nothing is expanded. Graph insists on the filter.
 */
function expansion(req: DoubleRequest, orDropsAll: boolean): ((id: string) => boolean) | undefined {
  const raw = req.query.get('$expand');
  if (!raw) return undefined;
  let predicate: ((id: string) => boolean) | undefined;
  for (const part of splitTopLevel(raw)) {
    const m = /^\s*(singleValueExtendedProperties|multiValueExtendedProperties)\s*(?:\((.*)\))?\s*$/i.exec(part);
    if (!m) {
      const name = part.replace(/\(.*$/, '').trim();
      throw new GraphHttpError(400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type 'microsoft.graph.contact'.`);
    }
    const options = m[2] ?? '';
    const filter = /^\s*\$filter\s*=\s*(.*)$/i.exec(options)?.[1];
    if (!filter) throw new GraphHttpError(400, 'ErrorInvalidRequest', 'The extended property expansion requires a $filter clause.');
    if (m[1].toLowerCase() === 'multivalueextendedproperties') continue;
    if (orDropsAll && /\sor\s/i.test(filter)) {
      predicate = () => false;
      continue;
    }
    const test = parseFilter(filter);
    predicate = (id) => test({ id });
  }
  return predicate ?? (() => false);
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0, quoted = false, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

/** Extended property ids compare case-insensitively, with runs of spaces collapsed. */
function sameExtId(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
  return norm(a) === norm(b);
}

function render(record: ContactRecord, select: string[] | undefined, ext: ((id: string) => boolean) | undefined): Record<string, unknown> {
  const full: Record<string, unknown> = {
    '@odata.etag': etagOf(record.changeKey),
    id: record.id,
    createdDateTime: record.createdDateTime,
    lastModifiedDateTime: record.lastModifiedDateTime,
    changeKey: record.changeKey,
    parentFolderId: record.parentFolderId,
    ...record.fields,
  };
  const out = select ? pick(full, select, ['@odata.etag', 'id']) : full;
  if (ext) {
    const props = Object.entries(record.ext).filter(([id]) => ext(id)).map(([id, value]) => ({ id, value }));
    if (props.length) out.singleValueExtendedProperties = props;
  }
  return out;
}
