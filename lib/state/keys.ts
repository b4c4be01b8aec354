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
