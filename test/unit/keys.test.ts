import { bucketOf, compositeKey, decodeKey, encodeKey, PARTITION_BUCKETS, splitCompositeKey } from '../../lib/state/keys';
import { assertEntityFits, EntityTooLargeError } from '../../lib/state/tables';

// Real-looking ids: Outlook (base64 with / + =), To Do (ends with =, has - and _), UPN-shaped user ids.
const IDS = [
  'AAMkAGI2TGuLAAA=',
  'AAMkADYAAAImV_jAAAA/BOZ+vbA9yzK9Bk2OUXf1kAAAAAAEOAAA=',
  'AQMkADAwATM0MDAAMS0yMDkyLWVkMzItMDACLTAwCgBGAAADsq+f/MgVOE+QpjDMf9b1CwcA5W0VqXkv1E+ZPDjCIC5dIAAAAgESAAAA5W0VqXkv1E+ZPDjCIC5dIAAAAAkBTcg9AAAA',
  'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A_xQSSwAAHa0==',
  'adele.vance@contoso.onmicrosoft.com',
  'weird#id?with\\back/slash%and|pipe\u0001ctl',
  '',
];

describe('table key encoding', () => {
  it.each(IDS)('round-trips %p and never contains a forbidden character', (id) => {
    const key = encodeKey(id);
    expect(key).not.toMatch(/[/\\#?\u0000-\u001f\u007f-\u009f]/);
    expect(decodeKey(key)).toBe(id);
  });

  it('keeps composite parts apart even when a part contains the separator', () => {
    const parts = ['user|1', 'contacts', IDS[1]];
    const key = compositeKey(...parts);
    expect(key.split('|')).toHaveLength(3);
    expect(splitCompositeKey(key)).toEqual(parts);
  });

  it('is injective: different ids never share a key', () => {
    const keys = new Set(IDS.map(encodeKey));
    expect(keys.size).toBe(IDS.length);
    expect(encodeKey('a%2Fb')).not.toBe(encodeKey('a/b'));
  });
});

describe('entity size guard', () => {
  const entity = (props: Record<string, unknown>) => ({ partitionKey: 'p', rowKey: 'r', ...props });

  it.each([
    ['a small entity', { a: 'x'.repeat(100) }, undefined],
    ['a property over 64 KiB', { big: 'x'.repeat(32 * 1024 + 1) }, 'big'],
    ['an entity over 1 MiB made of properties under 64 KiB', Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, 'x'.repeat(30000)])), null],
  ])('%s', (_name, props, expected) => {
    if (expected === undefined) {
      expect(() => assertEntityFits(entity(props))).not.toThrow();
    } else {
      try {
        assertEntityFits(entity(props));
        throw new Error('expected a throw');
      } catch (err) {
        expect(err).toBeInstanceOf(EntityTooLargeError);
        expect((err as EntityTooLargeError).property).toBe(expected ?? undefined);
      }
    }
  });
});

describe('partition buckets', () => {
  it.each([
    // Stored rows live where these say: a changed hash would lose every link written before it.
    ['AAMkADYAAAImV_jAAAA/BOZ+vbA9yzK9Bk2OUXf1kAAAAAAEOAAA=', '0'],
    ['', '5'],
    ['a', 'c'],
    ['contact-1', '1'],
  ])('is one hex digit, the same on every call: %s', (id, bucket) => {
    expect(bucketOf(id)).toBe(bucket);
    expect(bucketOf(id)).toMatch(/^[0-9a-f]$/);
  });

  it('spreads Graph-like ids evenly: 16,000 ids, every bucket within 15% of 1,000', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 16_000; i++) {
      const b = bucketOf(`AAMkAGI2TG93AAA${i.toString(36)}AAAEOAAA=`);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    expect(counts.size).toBe(PARTITION_BUCKETS);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });
});
