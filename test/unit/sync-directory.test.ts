import type { GraphApi } from '../../lib/graph/client';
import { DEFAULT_FIELD_RULES } from '../../lib/mapping/fields';
import { Directory } from '../../lib/sync/directory';
import type { ZohoPort } from '../../lib/sync/ports';
import { ZohoPermissionError, ZohoServerError } from '../../lib/zoho/errors';
import type { ZohoField } from '../../lib/zoho/types';

function directoryWith(getFields: () => Promise<ZohoField[]>) {
  let calls = 0;
  const zoho = { getFields: () => { calls += 1; return getFields(); } } as unknown as ZohoPort;
  return { directory: new Directory(zoho, {} as GraphApi), calls: () => calls };
}

describe('Directory.fieldRules', () => {
  it('uses the org metadata over the seed, and asks Zoho once per TTL', async () => {
    const { directory, calls } = directoryWith(async () => [{ api_name: 'Title', data_type: 'text', length: 60, system_mandatory: false, read_only: false, pick_list_values: [] }]);
    const [a, b] = await Promise.all([directory.fieldRules('Contacts'), directory.fieldRules('Contacts')]);
    expect(a.Contacts.Title.maxLength).toBe(60);
    expect(a.Contacts.Department.maxLength).toBe(DEFAULT_FIELD_RULES.Contacts.Department.maxLength);
    expect(b).toBe(a);
    expect(calls()).toBe(1);
  });

  it('falls back to the seed when Zoho refuses the metadata for good', async () => {
    const refused = new ZohoPermissionError({ status: 403, code: 'NO_PERMISSION', message: 'Zoho 403 NO_PERMISSION' });
    const { directory, calls } = directoryWith(async () => { throw refused; });
    const rules = await directory.fieldRules('Contacts');
    expect(rules.Contacts.Title.maxLength).toBe(100);
    await directory.fieldRules('Contacts');
    expect(calls()).toBe(1);
  });

  it('lets a transient failure fail the item, and asks again next time', async () => {
    const down = new ZohoServerError({ status: 503, code: 'INTERNAL_ERROR', message: 'Zoho 503' });
    const { directory, calls } = directoryWith(async () => { throw down; });
    await expect(directory.fieldRules('Contacts')).rejects.toBe(down);
    await expect(directory.fieldRules('Contacts')).rejects.toBe(down);
    expect(calls()).toBe(2);
  });
});
