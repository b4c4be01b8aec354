import { collectionSchema, extendedPropertyValue } from '../../lib/graph/resources/common';
import {
  CONTACT_EXPAND,
  CONTACT_EXTENDED_PROPERTY_IDS,
  CONTACT_FIELDS,
  CONTACT_SELECT,
  contactExpandFor,
  contactSchema,
} from '../../lib/graph/resources/contact';
import {
  ATTACHMENT_LIST_SELECT,
  attachmentSchema,
  fileAttachmentSchema,
  isFileAttachment,
  MESSAGE_SELECT,
  messageSchema,
} from '../../lib/graph/resources/message';
import { TODO_TASK_FIELDS, TODO_TASK_SELECT, todoTaskSchema } from '../../lib/graph/resources/todo-task';
import contactFull from '../fixtures/graph/contact-full.json';
import contactMinimal from '../fixtures/graph/contact-minimal.json';
import fileAttachment from '../fixtures/graph/file-attachment.json';
import message from '../fixtures/graph/message.json';
import todoTask from '../fixtures/graph/todo-task.json';

describe('fixtures parse with the exported schemas', () => {
  test.each([
    ['contact-full.json', contactSchema, contactFull],
    ['contact-minimal.json', contactSchema, contactMinimal],
    ['todo-task.json', todoTaskSchema, todoTask],
    ['message.json', messageSchema, message],
    ['file-attachment.json', fileAttachmentSchema, fileAttachment],
  ] as const)('%s', (_name, schema, payload) => {
    expect(schema.safeParse(payload).success).toBe(true);
  });
});

describe('contact schema', () => {
  test('keeps what the mapping reads, drops unknown properties', () => {
    const c = contactSchema.parse({ ...contactMinimal, someFutureProperty: 1 });
    expect(c).not.toHaveProperty('someFutureProperty');
    expect(c).not.toHaveProperty('@odata.context');
    expect(c['@odata.etag']).toBe('W/"EQAAABYAAAAiIsqMbYjsT5e/T7KzowPTAAAYc8Bf"');
    expect(c.emailAddresses).toEqual([{ name: 'Alex@FineArtSchool.net', address: 'Alex@FineArtSchool.net' }]);
    expect(c.businessAddress).toEqual({});
  });

  test('extended properties are read', () => {
    const c = contactSchema.parse(contactFull);
    expect(extendedPropertyValue(c.singleValueExtendedProperties, CONTACT_EXTENDED_PROPERTY_IDS.businessFax)).toBe('+1 732 555 0103');
    expect(extendedPropertyValue(c.singleValueExtendedProperties, CONTACT_EXTENDED_PROPERTY_IDS.otherPhone)).toBe('+1 732 555 0104');
    expect(extendedPropertyValue(c.singleValueExtendedProperties, CONTACT_EXTENDED_PROPERTY_IDS.assistantPhone)).toBe('+1 732 555 0105');
    expect(extendedPropertyValue(c.singleValueExtendedProperties, 'String 0x3A25')).toBeNull();
    expect(extendedPropertyValue(undefined, 'String 0x3A25')).toBeNull();
  });

  test('tolerates nulls Graph sends', () => {
    const c = contactSchema.parse({
      id: 'x',
      emailAddresses: null,
      businessPhones: [null, '+1 555'],
      businessAddress: null,
      categories: null,
      singleValueExtendedProperties: [{ id: 'String 0x3A24', value: null }],
    });
    expect(c.businessPhones).toEqual(['+1 555']);
    expect(extendedPropertyValue(c.singleValueExtendedProperties, 'String 0x3A24')).toBeNull();
  });

  test('a delta tombstone parses', () => {
    const c = contactSchema.parse({ '@odata.type': '#microsoft.graph.contact', id: 'AAMk=', '@removed': { reason: 'deleted' } });
    expect(c['@removed']).toEqual({ reason: 'deleted' });
  });

  test('an item without id is rejected', () => {
    expect(contactSchema.safeParse({ displayName: 'x' }).success).toBe(false);
  });

  test('$select and $expand strings', () => {
    expect(CONTACT_SELECT.split(',')).toEqual(CONTACT_FIELDS);
    for (const f of ['givenName', 'surname', 'displayName', 'emailAddresses', 'businessPhones', 'homePhones', 'otherAddress', 'personalNotes', 'birthday', 'categories', 'changeKey']) {
      expect(CONTACT_FIELDS).toContain(f);
    }
    expect(CONTACT_EXPAND).toBe(
      "singleValueExtendedProperties($filter=id eq 'String 0x3A24' or id eq 'String 0x3A1F' or id eq 'String 0x3A2E')",
    );
    expect(contactExpandFor('String 0x3A1F')).toBe("singleValueExtendedProperties($filter=id eq 'String 0x3A1F')");
  });
});

describe('todoTask schema', () => {
  test('fixture fields', () => {
    const t = todoTaskSchema.parse(todoTask);
    expect(t).toMatchObject({
      title: 'Shop for dinner',
      importance: 'low',
      status: 'notStarted',
      categories: ['Important', 'Urgent'],
      dueDateTime: { dateTime: '2020-08-25T04:00:00.0000000', timeZone: 'UTC' },
      body: { content: '', contentType: 'text' },
    });
  });

  test('a value Graph adds later does not fail the parse', () => {
    expect(todoTaskSchema.safeParse({ id: 'x', status: 'someNewStatus', importance: 'urgent' }).success).toBe(true);
  });

  test('$select', () => {
    expect(TODO_TASK_SELECT.split(',')).toEqual(TODO_TASK_FIELDS);
    expect(TODO_TASK_FIELDS).not.toContain('startDateTime');
  });

  test('a delta page parses', () => {
    const page = collectionSchema(todoTaskSchema).parse({
      '@odata.deltaLink': 'https://graph.microsoft.com/v1.0/me/todo/lists/gDbc8U7HGwADDZocJgAAAA==/tasks/delta?$deltatoken=MoVMZ',
      value: [todoTask],
    });
    expect(page.value).toHaveLength(1);
    expect(page['@odata.deltaLink']).toMatch(/deltatoken/);
  });
});

describe('message and attachments', () => {
  test('message fields', () => {
    const m = messageSchema.parse(message);
    expect(m.from?.emailAddress?.address).toBe('adelev@contoso.OnMicrosoft.com');
    expect(m.toRecipients?.[0]?.emailAddress?.name).toBe('Alex Wilber');
    expect(m.ccRecipients).toHaveLength(1);
    expect(m.hasAttachments).toBe(true);
    expect(m.internetMessageId).toBe('<MWHPR6E1BE060@MWHPR1120.namprd22.prod.outlook.com>');
    expect(m.categories).toEqual(['Zoho']);
    expect(m.body?.contentType).toBe('html');
  });

  test('booleans as strings (as in Microsoft samples) and a null "from" are accepted', () => {
    const m = messageSchema.parse({ id: 'x', hasAttachments: 'false', from: null, isDraft: 'true' });
    expect(m.hasAttachments).toBe(false);
    expect(m.isDraft).toBe(true);
  });

  test('$select', () => {
    for (const f of ['internetMessageId', 'from', 'sender', 'toRecipients', 'ccRecipients', 'bccRecipients', 'body', 'sentDateTime', 'hasAttachments', 'categories', 'parentFolderId']) {
      expect(MESSAGE_SELECT.split(',')).toContain(f);
    }
    expect(ATTACHMENT_LIST_SELECT).toBe('id,name,contentType,size,isInline');
  });

  test('file attachment', () => {
    const a = fileAttachmentSchema.parse(fileAttachment);
    expect(a).toMatchObject({ name: 'Draft sales invoice template.docx', size: 13068, isInline: false, contentBytes: 'UEsDBBQABgAIAAAAIQ4AAAAA' });
    expect(isFileAttachment(a)).toBe(true);
  });

  test('item and reference attachments are recognised as not files', () => {
    const item = attachmentSchema.parse({ '@odata.type': '#microsoft.graph.itemAttachment', id: 'x', name: 'Reminder', contentType: null, size: 32005, isInline: false });
    const ref = attachmentSchema.parse({ '@odata.type': '#microsoft.graph.referenceAttachment', id: 'y', size: 1060, isInline: true });
    expect(isFileAttachment(item)).toBe(false);
    expect(isFileAttachment(ref)).toBe(false);
    expect(isFileAttachment({ '@odata.type': '#Microsoft.Graph.FileAttachment' })).toBe(true);
  });
});
