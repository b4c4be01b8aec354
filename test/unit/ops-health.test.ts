import { checkHealth, type HealthDeps } from '../../lib/ops/health';

const NOW = new Date('2026-12-07T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const ahead = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const H = 3_600_000;

function deps(patch: Partial<HealthDeps> = {}): HealthDeps {
  return {
    pingStorage: async () => undefined,
    zohoToken: async () => 'token',
    subscriptions: async () => [{ expiresAt: ahead(48 * H) }],
    users: async () => [{ state: 'active', lastNotificationAt: { contacts: ago(H) } }],
    oldestQueued: async () => undefined,
    now: () => NOW,
    queueMaxAgeSeconds: 1800,
    notificationMaxAgeHours: 48,
    timeoutMs: 50,
    ...patch,
  };
}

describe('checkHealth', () => {
  it.each<[string, Partial<HealthDeps>, string[]]>([
    ['all fine', {}, []],
    ['a subscription with 23 h left', { subscriptions: async () => [{ expiresAt: ahead(48 * H) }, { expiresAt: ahead(23 * H) }] }, ['subscriptions']],
    ['a queued message 31 min old', { oldestQueued: async () => new Date(NOW.getTime() - 31 * 60_000) }, ['queue']],
    ['a queued message 29 min old', { oldestQueued: async () => new Date(NOW.getTime() - 29 * 60_000) }, []],
    ['no notification for 49 h', { users: async () => [{ state: 'active', lastNotificationAt: { contacts: ago(49 * H) } }] }, ['notifications']],
    ['never a notification, users active', { users: async () => [{ state: 'active', lastNotificationAt: {} }] }, ['notifications']],
    ['nobody provisioned: nothing to wait for', { users: async () => [] }, []],
    ['only refused users: nothing to wait for', { users: async () => [{ state: 'refused', lastNotificationAt: {} }] }, []],
    ['notification check turned off', { notificationMaxAgeHours: 0, users: async () => [{ state: 'active', lastNotificationAt: {} }] }, []],
    ['storage throws', { pingStorage: async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1 account=x'), { code: 'ECONNREFUSED' })) }, ['storage']],
    ['the Zoho token hangs past the limit', { zohoToken: () => new Promise(() => undefined) }, ['zohoToken']],
  ])('%s', async (_name, patch, failing) => {
    const answer = await checkHealth(deps(patch));
    expect(answer.failing).toEqual(failing);
    expect(answer.status).toBe(failing.length ? 'unhealthy' : 'healthy');
  });

  it('names the error code of a failed call, never its message', async () => {
    const answer = await checkHealth(deps({ pingStorage: async () => Promise.reject(Object.assign(new Error('https://acct.table.core.windows.net secret'), { code: 'AuthorizationFailure', statusCode: 403 })) }));
    expect(answer.checks.storage).toEqual({ ok: false, problem: 'storage cannot be reached', code: 'AuthorizationFailure', status: 403 });
    expect(JSON.stringify(answer)).not.toMatch(/secret|acct/);
  });
});
