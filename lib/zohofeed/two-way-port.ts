/**
 * The forward path's two-way port for contacts (lib/sync/two-way.ts): Zoho's values by one read,
 * Outlook's through the reverse codec, Zoho's winners patched into Outlook, and the reverse index
 * told about links the forward path makes.
 */
import type { OutlookWriter } from '../graph/outlook-writes';
import type { GraphContact } from '../graph/resources/contact';
import type { FieldRules } from '../mapping/fields';
import { contactCodec, type ReverseContext } from '../mapping/reverse';
import type { ConflictPolicy } from '../config';
import type { ZohoIndexRepository } from '../state/zoho-index';
import type { TwoWayPort } from '../sync/two-way';
import { REVERSE_READ_FIELDS, type RecordsById } from '../zoho/read';

export interface ContactsTwoWayDeps {
  zoho: { getRecordsByIds(module: string, ids: readonly string[], fields: readonly string[]): Promise<RecordsById> };
  writer: Pick<OutlookWriter, 'updateContact'>;
  index: Pick<ZohoIndexRepository, 'save'>;
  fieldRules(zohoModule: string): Promise<FieldRules>;
  category: string;
  policy: ConflictPolicy;
}

const contactOf = (item: unknown) => (item as { contact: GraphContact }).contact;

export function contactsTwoWay(deps: ContactsTwoWayDeps): TwoWayPort {
  const ctx = async (): Promise<ReverseContext> => ({ category: deps.category, rules: await deps.fieldRules('Contacts') });
  return {
    policy: deps.policy,
    async readZoho(zohoId) {
      const record = (await deps.zoho.getRecordsByIds('Contacts', [zohoId], REVERSE_READ_FIELDS.Contacts)).records.get(zohoId);
      if (!record) return undefined;
      return { values: contactCodec.fromZoho(record), modifiedTime: typeof record.Modified_Time === 'string' ? record.Modified_Time : undefined };
    },
    async outlookValues(item) {
      const contact = contactOf(item);
      return { values: contactCodec.fromOutlook(contact, await ctx()), modifiedTime: contact.lastModifiedDateTime };
    },
    async patchOutlook(link, item, values) {
      await deps.writer.updateContact(link.userId, link.graphId, contactCodec.patchBody(values, contactOf(item), await ctx()));
    },
    async indexLink(link) {
      if (!link.zohoId) return;
      // The Outlook item was the person's: the reverse path never deletes it (index origin `linked`).
      await deps.index.save({ zohoModule: 'Contacts', zohoId: link.zohoId, state: 'linked', userId: link.userId, module: link.module, graphId: link.graphId, origin: 'linked', etag: '' });
    },
  };
}
