/**
 * Azure Table keys forbid `/`, `\`, `#`, `?` and control characters, and Graph ids are base64 with
 * `/`, `+` and `=` (To Do ids also `-` and `_`). Percent-encode exactly the forbidden characters
 * (and `%` itself) so keys stay readable in Storage Explorer and decode back to the original id.
 */
const FORBIDDEN = /[%/\\#?\u0000-\u001f\u007f-\u009f]/g;

export function encodeKey(value: string): string {
  return value.replace(FORBIDDEN, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function decodeKey(key: string): string {
  return key.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Keys made of several parts; `|` never occurs inside an encoded part (it is not forbidden, so we escape it too). */
export function compositeKey(...parts: string[]): string {
  return parts.map((p) => encodeKey(p).replace(/\|/g, '%7C')).join('|');
}

export function splitCompositeKey(key: string): string[] {
  return key.split('|').map(decodeKey);
}

/**
 * Buckets that spread one logical partition (a mailbox's links of a module, a run's report lines)
 * over several Table partitions. Real Table Storage serves about 2,000 entities/s per partition, and
 * Azurite (LokiJS) scans a whole partition on every point read and write; a resync of 50,000
 * contacts writes three rows per item. Sixteen cuts those scans 16-fold while a bulk write still
 * fills its transactions of 100 rows, because the resync gathers items by bucket before it writes
 * (lib/resync/part.ts). Changing the number or the hash would lose every row already stored.
 */
export const PARTITION_BUCKETS = 16;

/** The bucket of an item id, one hex digit: FNV-1a, stable across processes and versions. */
export function bucketOf(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 0) % PARTITION_BUCKETS).toString(16);
}
