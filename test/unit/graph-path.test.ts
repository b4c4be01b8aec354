import { KeyedSemaphore } from '../../lib/graph/concurrency';
import { endpointLabel, graphPath, InvalidPathSegmentError, mailboxKey, pathSegment, pathTemplate } from '../../lib/graph/path';

describe('endpointLabel', () => {
  it.each([
    ['GET', '/users/0a1b2c3d-0000-4000-8000-000000000001/contacts/AAMkAGI2TG93AAA=', 'GET /users/{id}/contacts/{id}'],
    ['get', '/users/adele%40contoso.com', 'GET /users/{id}'],
    ['GET', "/users/0a1b/mailFolders('sentitems')/messages", "GET /users/{id}/mailFolders('sentitems')/messages"],
    ['GET', "/users('0a1b-2c')/messages('AAMk=')/attachments", 'GET /users({id})/messages({id})/attachments'],
    ['GET', 'https://graph.microsoft.com/v1.0/users/0a1b/contactFolders/AAMk1=/contacts/delta?$deltatoken=abc', 'GET /users/{id}/contactFolders/{id}/contacts/delta'],
    ['POST', '/subscriptions', 'POST /subscriptions'],
    ['POST', '/subscriptions/5d9a3c77-1111-4f7b-8b23-000000000000/reauthorize', 'POST /subscriptions/{id}/reauthorize'],
    ['GET', '/groups/1234/transitiveMembers/microsoft.graph.user?$top=5', 'GET /groups/{id}/transitiveMembers/microsoft.graph.user'],
    ['GET', '/users/u1/messages/m1/attachments/a1/$value', 'GET /users/{id}/messages/{id}/attachments/{id}/$value'],
    ['GET', '/v1.0/users/u1/calendarView/delta?startDateTime=2024-01-01', 'GET /users/{id}/calendarView/delta'],
  ])('%s %s → %s', (method, path, label) => {
    expect(endpointLabel(method, path)).toBe(label);
  });

  it('keeps no ids, UPNs or query values', () => {
    const label = pathTemplate('/users/taro.yamada%40example.jp/contacts?$filter=emailAddresses/any(a:a/address eq \'x@y.z\')');
    expect(label).toBe('/users/{id}/contacts');
  });
});

describe('mailboxKey', () => {
  it('extracts the users/{id} segment in any spelling, lower-cased', () => {
    expect(mailboxKey('/users/ABC-1/contacts')).toBe('abc-1');
    expect(mailboxKey("/users('ABC-1')/messages")).toBe('abc-1');
    expect(mailboxKey('https://graph.microsoft.com/v1.0/users/Adele%40Contoso.com/events?x=1')).toBe('adele@contoso.com');
    expect(mailboxKey('/users')).toBeUndefined();
    expect(mailboxKey('/subscriptions/1')).toBeUndefined();
  });
});

describe('graphPath', () => {
  it('encodes each interpolated value as one segment', () => {
    expect(graphPath`/users/${'a@b.c'}/contacts/${'AAMk/a+b='}`).toBe('/users/a%40b.c/contacts/AAMk%2Fa%2Bb%3D');
    expect(graphPath`/users/${"o'neil@contoso.com"}/messages/${'..x'}`).toBe("/users/o'neil%40contoso.com/messages/..x");
    expect(graphPath`/users/${'\ud83d\ude00@b.c'}`).toBe('/users/%F0%9F%98%80%40b.c');
  });

  it.each([
    ['empty', ''],
    ['a dot segment', '.'],
    ['a dot segment', '..'],
    ['control characters', 'a\u0000b'],
    ['control characters', 'a\nb'],
    ['control characters', 'a\u0085b'],
    ['an unpaired surrogate', '\ud800'],
    ['an unpaired surrogate', 'x\udfffy'],
    ['an unpaired surrogate', 'x\ud83d'],
  ])('refuses %s (%j) with a 400-mapped error, never a path', (reason, value) => {
    expect(() => graphPath`/users/${value}/messages`).toThrow(new InvalidPathSegmentError(reason));
    expect(() => pathSegment(value)).toThrow(InvalidPathSegmentError);
  });
});

describe('KeyedSemaphore', () => {
  it('runs at most `limit` tasks per key and never limits other keys', async () => {
    const sem = new KeyedSemaphore(2);
    const releases: (() => void)[] = [];
    let peak = 0;
    let running = 0;
    const task = () =>
      sem.run('a', async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => releases.push(r));
        running--;
      });
    const all = [task(), task(), task(), task(), task()];
    await new Promise((r) => setImmediate(r));
    expect(sem.active('a')).toBe(2);
    expect(releases).toHaveLength(2);
    await expect(sem.run('b', async () => 'free')).resolves.toBe('free');
    await expect(sem.run(undefined, async () => 'unlimited')).resolves.toBe('unlimited');
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(all);
    expect(peak).toBe(2);
    expect(sem.active('a')).toBe(0);
  });

  it('releases the slot when the task throws', async () => {
    const sem = new KeyedSemaphore(1);
    await expect(sem.run('k', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(sem.run('k', async () => 1)).resolves.toBe(1);
  });
});
