import { parseResourcePath } from '../../lib/webhook/notifications';

const U = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const T = '84bd8158-6d4d-4958-8b9f-9d6445542f95';
const ID = 'AAMkADYAAAImV_jAAA=';

describe('parseResourcePath', () => {
  it.each([
    ['guid@tenant form', `users/${U}@${T}/messages/${ID}`, U, ID],
    ['capitalised form', `Users/${U}/Messages/${ID}`, U, ID],
    ['OData key form', `Users('${U}')/messages('${ID}')`, U, ID],
    ['leading slash', `/users/${U}/contacts/${ID}`, U, ID],
    ['contacts', `Users/${U}/Contacts/${ID}`, U, ID],
    ['events', `Users/${U}/Events/${ID}`, U, ID],
    ['sent items by well-known name', `Users/${U}/mailFolders('sentitems')/messages/${ID}`, U, ID],
    ['sent items as a path segment', `users/${U}/mailFolders/SentItems/Messages/${ID}`, U, ID],
    ['To Do task', `users/${U}/todo/lists/AQMkADAwATM0=/tasks/AQMkAGE5Ny1k-X_w=`, U, 'AQMkAGE5Ny1k-X_w='],
    ['url-encoded id', `Users/${U}/Messages/AAMk%2FAB%2B%3D`, U, 'AAMk/AB+='],
  ])('%s', (_name, resource, userId, itemId) => {
    const parsed = parseResourcePath(resource);
    expect(parsed?.userId).toBe(userId);
    expect(parsed?.itemId).toBe(itemId);
  });

  it.each([
    ['empty', ''],
    ['not a users path', `groups/${U}/events/${ID}`],
    ['two ids in a row', `users/${U}/${ID}`],
  ])('rejects %s', (_name, resource) => {
    expect(parseResourcePath(resource)).toBeUndefined();
  });

  it('yields no item id for a bare collection', () => {
    expect(parseResourcePath(`users/${U}/contacts`)?.itemId).toBeUndefined();
  });
});
