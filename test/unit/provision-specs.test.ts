import { newClientState } from '../../lib/provision/deps';
import { createRequest, EXPIRY_MARGIN_MINUTES, expiryFor, notificationUrls, outlookModules, resourceFor, specKey, wantedSpecs } from '../../lib/provision/specs';

const USER = '5f1c6a2e-0b7d-4c8e-9a1f-2b3c4d5e6f70';
const NOW = new Date('2025-03-01T10:00:00.000Z');
const all = { SYNC_CONTACTS: 'category', SYNC_EVENTS: 'category', SYNC_TASKS: 'category' } as const;

describe('resourceFor', () => {
  it.each([
    ['contacts', undefined, `users/${USER}/contacts`],
    ['events', undefined, `users/${USER}/events`],
    ['mail', undefined, `users/${USER}/mailFolders('sentitems')/messages`],
    ['tasks', 'AAMkADlist=', `users/${USER}/todo/lists/AAMkADlist=/tasks`],
  ] as const)('%s → object-id resource', (module, listId, resource) => {
    expect(resourceFor(USER, module, listId)).toBe(resource);
  });

  it('refuses a task resource without a list', () => {
    expect(() => resourceFor(USER, 'tasks')).toThrow(/list id/);
  });
});

describe('wantedSpecs', () => {
  it.each([
    ['everything on', all, ['L1', 'L2'], ['contacts', 'events', 'mail', 'tasks|L1', 'tasks|L2']],
    ['contacts off', { ...all, SYNC_CONTACTS: 'off' }, ['L1'], ['events', 'mail', 'tasks|L1']],
    ['events off', { ...all, SYNC_EVENTS: 'off' }, [], ['contacts', 'mail']],
    ['tasks off: no list subscriptions', { ...all, SYNC_TASKS: 'off' }, ['L1'], ['contacts', 'events', 'mail']],
    ['all three off: Sent Items stays for send-and-add', { SYNC_CONTACTS: 'off', SYNC_EVENTS: 'off', SYNC_TASKS: 'off' }, ['L1'], ['mail']],
  ] as const)('%s', (_name, config, lists, keys) => {
    expect(wantedSpecs(USER, config, lists).map(specKey)).toEqual(keys);
  });

  it('orders the Outlook modules before To Do', () => {
    expect(outlookModules(all)).toEqual(['contacts', 'events', 'mail']);
  });
});

describe('expiryFor', () => {
  it.each([
    ['contacts', 10_080],
    ['events', 10_080],
    ['mail', 10_080],
    ['tasks', 4_230],
  ] as const)('%s: the maximum (%i min) minus the margin', (module, max) => {
    expect(expiryFor(module, NOW).getTime() - NOW.getTime()).toBe((max - EXPIRY_MARGIN_MINUTES) * 60_000);
  });
});

describe('createRequest', () => {
  const urls = notificationUrls('https://sync.example.com/');

  it('builds both URLs from PUBLIC_BASE_URL', () => {
    expect(urls).toEqual({ notificationUrl: 'https://sync.example.com/api/graph/notifications', lifecycleNotificationUrl: 'https://sync.example.com/api/graph/lifecycle' });
  });

  it.each([
    ['contacts', { Prefer: 'IdType="ImmutableId"' }],
    ['events', { Prefer: 'IdType="ImmutableId"' }],
    ['mail', { Prefer: 'IdType="ImmutableId"' }],
    ['tasks', {}],
  ] as const)('%s: immutable ids only where Graph supports them', (module, headers) => {
    const spec = { module, listId: module === 'tasks' ? 'L1' : undefined, resource: resourceFor(USER, module, module === 'tasks' ? 'L1' : undefined) };
    const req = createRequest(spec, 'secret', 'https://sync.example.com', NOW);
    expect(req.headers).toEqual(headers);
    expect(req.body).toEqual({
      changeType: 'created,updated,deleted',
      ...urls,
      resource: spec.resource,
      expirationDateTime: expiryFor(module, NOW).toISOString(),
      clientState: 'secret',
      latestSupportedTlsVersion: 'v1_2',
    });
  });
});

describe('newClientState', () => {
  it('is random, URL-safe and within Graph\'s 128 characters', () => {
    const values = new Set(Array.from({ length: 50 }, () => newClientState()));
    expect(values.size).toBe(50);
    for (const v of values) {
      expect(v.length).toBeLessThanOrEqual(128);
      expect(v.length).toBeGreaterThanOrEqual(32);
      expect(v).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });
});
