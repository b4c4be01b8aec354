import { createdByAttempt, parseReverseAttempt, reverseAttempt } from '../../lib/zohofeed/doubt';

describe('an Outlook create in doubt (lib/zohofeed/doubt.ts)', () => {
  const at = new Date('2026-12-07T10:00:00Z');
  const attempt = parseReverseAttempt(reverseAttempt({ Subject: 'Call', All_day: false, Description: 'x'.repeat(400), Owner: { id: '1' } }, 'Zoho', at))!;

  it('keeps what the duplicate key needs (short text, flags, numbers), not long text or objects', () => {
    expect(attempt).toEqual({ record: { Subject: 'Call', All_day: false }, category: 'Zoho', at: at.toISOString() });
  });

  it.each([
    ['the category and made after the attempt began: ours', { categories: ['zoho'], createdDateTime: '2026-12-07T10:00:01Z' }, true],
    ['made within the clock skew before it: ours', { categories: ['Zoho'], createdDateTime: '2026-12-07T09:59:00Z' }, true],
    ['made long before: the person\'s', { categories: ['Zoho'], createdDateTime: '2026-12-01T09:00:00Z' }, false],
    ['without the category: the person\'s', { categories: ['Red'], createdDateTime: '2026-12-07T10:00:01Z' }, false],
    ['no creation time: not provably ours', { categories: ['Zoho'] }, false],
  ])('%s', (_name, item, expected) => {
    expect(createdByAttempt(item, attempt)).toBe(expected);
  });

  it('an unreadable attempt is none', () => {
    expect(parseReverseAttempt('{')).toBeUndefined();
    expect(parseReverseAttempt(JSON.stringify({ record: {} }))).toBeUndefined();
  });
});
