import { QUEUES } from '../../lib/queue';
import { startSystem, type System } from '../support/system';

/**
 * `GET /api/health` through the test host, on Azurite and the doubles: healthy, then each check
 * made to fail for real (revoked Zoho refresh token, a subscription about to expire, an old
 * queued message, no notification for days, storage gone).
 */
let sys: System;
let userId: string;

beforeAll(async () => {
  sys = await startSystem();
  userId = await sys.provisionUser('adele.vance@contoso.com', 'Adele Vance');
});

afterAll(async () => {
  await sys.close();
});

async function health(): Promise<{ status: number; body: Record<string, any>; text: string; cache: string | null }> {
  const res = await fetch(`${sys.host.url}/api/health`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text, cache: res.headers.get('cache-control') };
}

describe('GET /api/health', () => {
  it('answers 200 when storage, the Zoho token, subscriptions, the queue and notifications are fine', async () => {
    await sys.subscribe(userId, 'contacts');
    await sys.runtime().users.recordNotification(userId, 'contacts', new Date());
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.cache).toBe('no-store');
    expect(res.body).toMatchObject({
      status: 'healthy',
      failing: [],
      checks: {
        storage: { ok: true },
        zohoToken: { ok: true },
        subscriptions: { ok: true, total: 1, expiringWithinDay: 0 },
        queue: { ok: true, oldestMessageAgeSeconds: null },
        notifications: { ok: true, lastNotificationAgeMinutes: 0, activeUsers: 1 },
      },
    });
  });

  it('answers 503 naming each failing check, without secrets or personal data', async () => {
    sys.configure({ HEALTH_QUEUE_MAX_AGE_SECONDS: '1', HEALTH_NOTIFICATION_MAX_AGE_HOURS: '24' });
    const rt = sys.runtime();
    // No stored access token and a revoked refresh token: no token can be had.
    const tokens = await rt.tables.table('zohotoken');
    await tokens.deleteEntity('zoho', 'access-token').catch(() => undefined);
    sys.zoho.accounts.revokeRefreshToken();
    // A subscription renewal did not reach: two hours left.
    const [sub] = await rt.subscriptions.list({ userId });
    await rt.subscriptions.put({ ...sub, expiresAt: new Date(Date.now() + 2 * 3600_000).toISOString() });
    await rt.users.recordNotification(userId, 'contacts', new Date(Date.now() - 3 * 86_400_000));
    await rt.syncQueue.send({ v: 1, userId, module: 'contacts', itemId: 'AAMk-waiting', changeType: 'updated' });
    await new Promise((r) => setTimeout(r, 2100));

    const res = await health();
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('unhealthy');
    expect([...res.body.failing].sort()).toEqual(['notifications', 'queue', 'subscriptions', 'zohoToken']);
    expect(res.body.checks).toMatchObject({
      storage: { ok: true },
      zohoToken: { ok: false, problem: 'no usable Zoho access token', code: expect.any(String) },
      subscriptions: { ok: false, expiringWithinDay: 1 },
      queue: { ok: false, oldestMessageAgeSeconds: expect.any(Number) },
      notifications: { ok: false, lastNotificationAgeMinutes: expect.any(Number) },
    });
    expect(res.body.checks.queue.oldestMessageAgeSeconds).toBeGreaterThanOrEqual(2);
    expect(res.body.checks.notifications.lastNotificationAgeMinutes).toBeGreaterThanOrEqual(3 * 24 * 60);
    for (const secretOrPersonal of ['adele', userId, sub.clientState, sub.id, 'zoho-test-secret', '1000.refresh', 'AAMk-waiting']) {
      expect(res.text).not.toContain(secretOrPersonal);
    }
    await sys.drain(QUEUES.syncItems);
  });

  it('answers 503 within the check time limit when storage cannot be reached', async () => {
    sys.configure({ AzureWebJobsStorage: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;' });
    try {
      const res = await health();
      expect(res.status).toBe(503);
      expect(res.body.failing).toEqual(expect.arrayContaining(['storage', 'queue', 'subscriptions', 'notifications']));
      expect(res.text).not.toContain('AccountKey');
      expect(res.text).not.toContain('Eby8');
    } finally {
      sys.configure({});
    }
  }, 20_000);
});
