/**
 * Text helpers shared by every mapping. Zoho counts field lengths in characters, so cutting must
 * never split a surrogate pair (an emoji cut in half is rejected by Zoho as invalid data).
 */

export interface Cut {
  value: string;
  /** true when the value was longer than the limit and was shortened */
  cut: boolean;
}

export function cutToLength(value: string, max: number): Cut {
  const chars = Array.from(value);
  if (chars.length <= max) return { value, cut: false };
  return { value: chars.slice(0, max).join(''), cut: true };
}

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', hellip: '…',
  mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', yen: '¥', euro: '€',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * Outlook bodies are HTML documents (with <head>, <style> and Word markup). Zoho's Description is
 * plain text, so keep the words and the line structure and drop everything else.
 */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(head|style|script|title)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/(p|div|h[1-6]|li|tr|table|blockquote|pre|ul|ol)\s*>/gi, '\n')
    .replace(/<(p|div|h[1-6]|tr|table|blockquote|pre|ul|ol)\b[^>]*>/gi, '\n')
    .replace(/<\/t[dh]\s*>/gi, '\t')
    .replace(/<[^>]+>/g, '');
  return decodeEntities(text)
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+\n/g, '\n')
    .replace(/\n[ \t\u00a0]+/g, '\n')
    .replace(/[ \t\u00a0]{2,}/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Graph item bodies: `{ contentType: 'html' | 'text', content }`. */
export function bodyToText(body: { contentType?: string | null; content?: string | null } | null | undefined): string {
  if (!body?.content) return '';
  return body.contentType?.toLowerCase() === 'html' ? htmlToText(body.content) : body.content.replace(/\r\n?/g, '\n').trim();
}
