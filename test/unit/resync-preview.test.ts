import { ACCOUNT_WOULD_BE_CREATED, DryRunZoho, previewLine } from '../../lib/resync/preview';
import { ACCOUNT_CREATED } from '../../lib/sync/adapters/contacts';
import { recordGone, type ItemReport } from '../../lib/sync/engine';
import type { ZohoPort } from '../../lib/sync/ports';
import type { ZohoRecord } from '../../lib/zoho/types';

describe('previewLine: what a full run would do, in the words of a preview', () => {
  const linked = 'linked to an existing Zoho record (same e-mail address)';
  it.each<[string, ItemReport, Partial<ItemReport>]>([
    ['a creation', { result: 'added', zohoId: 'preview-1' }, { result: 'added', reason: 'would add', zohoId: undefined }],
    ['a creation with a reason', { result: 'added', reason: 'deleted in Zoho', zohoId: 'preview-2' }, { reason: 'would add (deleted in Zoho)', zohoId: undefined }],
    ['an update', { result: 'updated', zohoId: '42' }, { result: 'updated', reason: 'would update', zohoId: '42' }],
    ['a link that fills', { result: 'updated', zohoId: '7', reason: linked, notes: ['filled empty Zoho fields: Mobile, Title'] }, { reason: 'would link (fill: Mobile, Title) to an existing Zoho record (same e-mail address)', zohoId: '7' }],
    ['a link with nothing to fill', { result: 'updated', zohoId: '7', reason: linked, notes: ['no empty Zoho field to fill; the Zoho values were kept'] }, { reason: 'would link (nothing to fill) to an existing Zoho record (same e-mail address)' }],
    ['a deletion', { result: 'deleted', zohoId: '9', reason: 'deleted in Outlook' }, { result: 'deleted', reason: 'would delete (deleted in Outlook)', zohoId: '9' }],
    ['a skip', { result: 'skipped', reason: 'no permission' }, { result: 'skipped', reason: 'would skip: no permission' }],
    ['unchanged', { result: 'unchanged', zohoId: '3' }, { result: 'unchanged', zohoId: '3' }],
    ['a new Account', { result: 'added', zohoId: 'preview-3', notes: [ACCOUNT_CREATED, 'other'] }, { notes: [ACCOUNT_WOULD_BE_CREATED, 'other'] }],
  ])('%s', (_name, report, expected) => {
    expect(previewLine(report)).toMatchObject(expected);
  });
});

describe('DryRunZoho', () => {
  const stored = new Set(['100', '200']);
  const reads: string[] = [];
  const real = {
    async earliestByField(module: string, field: string, values: readonly string[]) {
      reads.push(`${module}.${field}:${values.join(',')}`);
      return new Map(values.filter((v) => stored.has(v)).map((v) => [v.toLowerCase(), { id: v } as ZohoRecord]));
    },
    async coql() {
      return [{ id: 'x' }];
    },
  } as unknown as ZohoPort;

  it('passes reads through and records writes, answering inserts with preview ids', async () => {
    const zoho = new DryRunZoho(real);
    expect(await zoho.coql('select id from Contacts')).toEqual([{ id: 'x' }]);
    const inserted = await zoho.insertRecords('Contacts', [{ Last_Name: 'A' }, { Last_Name: 'B' }]);
    expect(inserted.map((r) => r.status === 'success' && r.id)).toEqual(['preview-1', 'preview-2']);
    expect(zoho.writes).toEqual([{ kind: 'insert', module: 'Contacts', records: 2 }]);
  });

  it('answers a write to a record Zoho no longer has as Zoho does (the id is invalid), reading existence once per call', async () => {
    const zoho = new DryRunZoho(real);
    reads.length = 0;
    const updated = await zoho.updateRecords('Contacts', [{ id: '100' }, { id: '300' }, { id: 'preview-5' }]);
    expect(updated.map((r) => r.status)).toEqual(['success', 'error', 'success']);
    expect(recordGone(updated[1])).toBe(true);
    expect(reads).toEqual(['Contacts.id:100,300']);
    const deleted = await zoho.deleteRecords('Contacts', ['200']);
    expect(deleted[0].status).toBe('success');
    // Deleted earlier in this preview: gone for the rest of it.
    expect(recordGone((await zoho.deleteRecords('Contacts', ['200']))[0])).toBe(true);
    expect((await zoho.cancelEvent('300')).status).toBe('error');
    expect(zoho.writes.map((w) => w.kind)).toEqual(['update', 'delete', 'delete', 'cancel']);
  });
});
