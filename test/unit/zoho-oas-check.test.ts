/** The contract checker must fail on wrong shapes, or the double's contract tests prove nothing. */
import { check, componentSchema, responseSchema } from '../doubles/zoho/oas';

test('missing required keys, wrong types and unknown codes are reported', () => {
  expect(check('fields.json', responseSchema('fields.json', '/crm/v8/settings/fields', 'GET', 200), { fields: [{ api_name: 'x' }] })).toContain('$.fields[0].data_type: required');
  expect(check('coql.json', responseSchema('coql.json', '/crm/v8/coql', 'POST', 200), { data: 'rows' })).toEqual(['$.data: expected array']);
  expect(check('coql.json', responseSchema('coql.json', '/crm/v8/coql', 'POST', 400), { code: 'NOPE', details: {}, message: 'm', status: 'error' })).toEqual(['$.code: "NOPE" not in enum']);
  expect(check('common.json', componentSchema('common.json', 'MaxLengthError'), { code: 'INVALID_DATA', message: 'm', status: 'error', details: { api_name: 'a' } })).toEqual([
    '$.details.maximum_length: required',
    '$.details.json_path: required',
  ]);
});

test('documented leniencies: null for a bare $ref, free message text, unknown $ref files', () => {
  const field = componentSchema('fields.json', 'fields');
  expect(check('fields.json', { type: 'object', properties: { tooltip: (field.properties as Record<string, object>).tooltip } }, { tooltip: null })).toEqual([]);
  expect(check('record.json', componentSchema('record.json', 'API_Exception'), { code: 'INVALID_DATA', message: 'any text', status: 'error' })).toEqual([]);
  expect(check('record.json', { $ref: 'https://example.invalid/v8.0/tags.json#/components/schemas/Tag' }, 42)).toEqual([]);
});

test('an undocumented status is an error unless a fallback is named', () => {
  expect(() => responseSchema('record.json', '/crm/v8/{module_api_name}', 'POST', 207)).toThrow(/documents no 207/);
  expect(responseSchema('record.json', '/crm/v8/{module_api_name}', 'POST', 207, 200)).toBeDefined();
});
