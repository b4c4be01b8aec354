import { parseConfig } from '../../lib/config';
import { newChannelId, newChannelToken, wantedEvents, zohoNotifyUrl } from '../../lib/zohofeed/channel';
import { CallbackCredentials, ZohoCallback, ZohoChangeMessage } from '../../lib/zohofeed/messages';
import { mailboxForRecord, ownerMove } from '../../lib/zohofeed/owners';
import { zohoTimestamp } from '../../lib/zoho/watch';
import payloads from '../fixtures/zoho/payloads/notifications.json';
import { testSettings } from '../support/settings';

describe('Zoho callback body (v7 doc example)', () => {
  it('parses, with channel_id compared as a string', () => {
    const parsed = ZohoCallback.parse(payloads.callback);
    expect(parsed).toMatchObject({ module: 'Leads', operation: 'insert', ids: ['4876876000000555001'], channel_id: '1000000068001', server_time: 1718117126473 });
    expect(CallbackCredentials.parse({ ...payloads.callback, channel_id: 1000000068001 }).channel_id).toBe('1000000068001');
  });

  test.each([
    ['no ids', { ...payloads.callback, ids: [] }],
    ['an id that is not Zoho\'s', { ...payloads.callback, ids: ['../etc'] }],
    ['an unknown operation', { ...payloads.callback, operation: 'merge' }],
    ['no channel', { ...payloads.callback, channel_id: undefined }],
  ])('refuses %s', (_name, body) => {
    expect(ZohoCallback.safeParse(body).success).toBe(false);
  });
});

describe('change messages', () => {
  it('carry up to 100 Zoho ids of one module and operation', () => {
    const ok = { v: 1, source: 'sweep', module: 'Contacts', operation: 'update', ids: ['1'] };
    expect(ZohoChangeMessage.safeParse(ok).success).toBe(true);
    expect(ZohoChangeMessage.safeParse({ ...ok, ids: Array.from({ length: 101 }, (_, i) => String(i)) }).success).toBe(false);
    expect(ZohoChangeMessage.safeParse({ ...ok, module: 'Deals' }).success).toBe(false);
  });
});

describe('channel parameters', () => {
  const config = (env: Record<string, string>) => parseConfig({ ...testSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }), ...env });

  it('watches `{Module}.all` for each module that syncs to Outlook', () => {
    expect(wantedEvents(config({}))).toEqual([]);
    expect(wantedEvents(config({ SYNC_TASKS_DIRECTION: 'both', SYNC_EVENTS_DIRECTION: 'to-outlook' }))).toEqual(['Tasks.all', 'Events.all']);
  });

  it('notify_url is the public route; ids are 13 digits; tokens random and within Zoho\'s 50', () => {
    expect(zohoNotifyUrl('https://app.example/')).toBe('https://app.example/api/zoho/notifications');
    expect(newChannelId()).toMatch(/^\d{13}$/);
    const a = newChannelToken();
    expect(a.length).toBeLessThanOrEqual(50);
    expect(a).not.toBe(newChannelToken());
    expect(zohoTimestamp('2026-12-07T01:02:03.456Z')).toBe('2026-12-07T01:02:03+00:00');
  });
});

describe('which mailbox a Zoho record goes to', () => {
  const users = [{ id: 'z1', email: 'Rep@Contoso.com' }, { id: 'z2', email: 'other@contoso.com' }];
  const mailboxes = [{ userId: 'm1', address: 'rep@contoso.com' }];

  test.each([
    ['the owner\'s address is a provisioned mailbox', { Owner: { id: 'z1', name: 'Rep' } }, 'm1'],
    ['the owner has no provisioned mailbox', { Owner: { id: 'z2' } }, undefined],
    ['an owner missing from the user list: the lookup\'s own e-mail', { Owner: { id: 'z9', email: 'rep@contoso.com' } }, 'm1'],
    ['no owner', {}, undefined],
  ])('%s', (_name, record, mailbox) => {
    expect(mailboxForRecord(record, users, mailboxes)).toBe(mailbox);
  });

  test.each([
    ['same owner', 'm1', 'm1', {}],
    ['owner changed between mailboxes', 'm1', 'm2', { leave: 'm1', arrive: 'm2' }],
    ['new owner has no mailbox', 'm1', undefined, { leave: 'm1' }],
    ['first arrival', undefined, 'm2', { arrive: 'm2' }],
  ])('%s', (_name, linked, target, move) => {
    expect(ownerMove(linked, target)).toEqual(move);
  });
});
