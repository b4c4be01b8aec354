/** Small pieces of the Zoho client: token store CAS, limiter, edition sizing, result mapping. */
import { concurrencyForEdition, Semaphore } from '../../lib/zoho/limiter';
import { chunk, toResult } from '../../lib/zoho/records';
import { MemoryTokenStore } from '../../lib/zoho/token-store';
import { withoutInvitations } from '../../lib/zoho/events';
import records from '../fixtures/zoho/payloads/records.json';

describe('MemoryTokenStore', () => {
  test('write is a compare-and-swap on the etag', async () => {
    const store = new MemoryTokenStore();
    expect(await store.read()).toBeUndefined();
    const etag = await store.write({ token: 'a', expiresAt: 1 }, undefined);
    expect(etag).toEqual(expect.any(String));
    const first = await store.read();
    expect(first).toMatchObject({ token: 'a', expiresAt: 1, etag });
    // A second writer that also saw "empty" loses.
    expect(await store.write({ token: 'b', expiresAt: 2 }, undefined)).toBe(false);
    expect(await store.write({ token: 'c', expiresAt: 3 }, first!.etag)).toEqual(expect.any(String));
    expect(await store.write({ token: 'd', expiresAt: 4 }, first!.etag)).toBe(false);
    expect((await store.read())?.token).toBe('c');
  });
});

describe('Semaphore', () => {
  test('never runs more than its limit', async () => {
    const sem = new Semaphore(2);
    let running = 0;
    let peak = 0;
    let finished = 0;
    const waiting: (() => void)[] = [];
    const tasks = Array.from({ length: 5 }, () =>
      sem.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => waiting.push(r));
        running -= 1;
        finished += 1;
      }),
    );
    while (finished < 5) {
      await new Promise((r) => setImmediate(r));
      waiting.splice(0).forEach((release) => release());
    }
    await Promise.all(tasks);
    expect(peak).toBe(2);
    expect(sem.inFlight).toBe(0);
  });

  test('a failing task frees its slot', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(async () => { throw new Error('x'); })).rejects.toThrow('x');
    await expect(sem.run(async () => 1)).resolves.toBe(1);
  });
});

test.each([
  ['free', 5], ['Standard', 10], ['starter', 10], ['professional', 15], ['Enterprise', 20], ['zoho_one', 20],
  ['ultimate', 25], ['CRM Plus', 25], [undefined, 5],
] as const)('concurrencyForEdition(%s) = %i', (edition, n) => {
  expect(concurrencyForEdition(edition)).toBe(n);
});

test('chunk', () => {
  expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  expect(chunk([], 100)).toEqual([]);
});

describe('toResult', () => {
  test("Zoho's documented mixed insert answer", () => {
    const [ok, dup] = records.insertMixed.data.map(toResult);
    expect(ok).toMatchObject({ status: 'success', code: 'SUCCESS', id: '4876876000000333031', createdTime: '2025-01-10T10:00:00+05:30' });
    expect(dup).toMatchObject({ status: 'error', code: 'DUPLICATE_DATA', field: 'Email', duplicateId: '4876876000000222001', message: 'duplicate data' });
  });

  test('MULTIPLE_OR_MULTI_ERRORS keeps the list and names the first field', () => {
    const r = toResult({
      code: 'MULTIPLE_OR_MULTI_ERRORS',
      status: 'error',
      message: 'multiple errors',
      details: [
        { code: 'INVALID_DATA', details: { api_name: 'Phone' } },
        { code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Last_Name' } },
      ],
    });
    expect(r).toMatchObject({ status: 'error', field: 'Phone', details: { errors: expect.any(Array) } });
  });

  test('upsert action and duplicate field', () => {
    expect(toResult({ code: 'SUCCESS', status: 'success', message: 'record updated', action: 'update', duplicate_field: 'Email', details: { id: '1' } })).toMatchObject({
      action: 'update',
      duplicateField: 'Email',
    });
  });
});

test('withoutInvitations sets the flag and leaves the input alone', () => {
  const event = { Event_Title: 'x' };
  expect(withoutInvitations(event)).toEqual({ Event_Title: 'x', $send_notification: false });
  expect(event).toEqual({ Event_Title: 'x' });
});
