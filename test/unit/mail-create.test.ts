import { chooseLeadStatus, personToCreate } from '../../lib/mail/create';
import { dealsByContactEmailQuery } from '../../lib/mail/search';
import type { ZohoField } from '../../lib/zoho/types';

const addr = (address: string, name = '') => ({ emailAddress: { address, name } });
const receivedMsg = { from: addr('Kenji@Tailspin.example', 'Kenji Watanabe'), toRecipients: [addr('me@contoso.com', 'Me')] };
const sentMsg = { from: addr('me@contoso.com', 'Me'), toRecipients: [addr('me@contoso.com'), addr('aoi@fabrikam.example', 'Aoi Kato')], ccRecipients: [addr('cc@fabrikam.example')] };
const self = ['me@contoso.com'];

describe('personToCreate', () => {
  test.each<[string, object, 'received' | 'sent', object, unknown]>([
    ['the sender of a received e-mail', receivedMsg, 'received', {}, { ok: true, address: 'kenji@tailspin.example', name: 'Kenji Watanabe' }],
    ['the first recipient of a sent one who is not the mailbox', sentMsg, 'sent', {}, { ok: true, address: 'aoi@fabrikam.example', name: 'Aoi Kato' }],
    ['an address given, with its display name from the e-mail', sentMsg, 'sent', { email: 'CC@fabrikam.example' }, { ok: true, address: 'cc@fabrikam.example', name: '' }],
    ['a name given', receivedMsg, 'received', { name: '渡辺 健二' }, { ok: true, address: 'kenji@tailspin.example', name: '渡辺 健二' }],
    ['an address that is none', receivedMsg, 'received', { email: 'not an address' }, { ok: false, error: 'create.email is not an e-mail address' }],
    ['no counterpart', { from: addr('me@contoso.com'), toRecipients: [addr('me@contoso.com')] }, 'sent', {}, { ok: false, error: expect.stringMatching(/no counterpart/) }],
  ])('%s', (_n, message, direction, input, expected) => {
    expect(personToCreate(message, direction, self, input)).toEqual(expected);
  });
});

describe('chooseLeadStatus', () => {
  const field = { api_name: 'Lead_Status', pick_list_values: [
    { actual_value: '-None-', display_value: '-None-' },
    { actual_value: 'Contacted', display_value: 'コンタクト済み' },
    { actual_value: 'Junk Lead', display_value: 'Junk Lead', type: 'unused' },
  ] } as unknown as ZohoField;
  test.each<[string | undefined, unknown]>([
    [undefined, { ok: true }],
    [' contacted ', { ok: true, value: 'Contacted' }],
    ['コンタクト済み', { ok: true, value: 'Contacted' }],
    ['Junk Lead', { ok: false, valid: ['Contacted'] }],
    ['-None-', { ok: false, valid: ['Contacted'] }],
  ])('%s', (wanted, expected) => {
    expect(chooseLeadStatus(field, wanted)).toEqual(expected);
  });
});

describe('dealsByContactEmailQuery', () => {
  test('a whole address: Deals whose Contact_Name has it, earliest first', () => {
    expect(dealsByContactEmailQuery({ module: 'Deals', q: ' Megan.Bowen@Fabrikam.com ' })).toBe(
      "select Deal_Name, Stage, Account_Name, Closing_Date, Created_Time, Contact_Name.Email from Deals where Contact_Name.Email = 'megan.bowen@fabrikam.com' order by Created_Time asc, id asc limit 50",
    );
  });
  test.each([[{ module: 'Deals' as const, q: 'Fabrikam printer' }], [{ module: 'Contacts' as const, q: 'a@b.com' }]])('not for a deal name or another module', (input) => {
    expect(dealsByContactEmailQuery(input)).toBeNull();
  });
});
