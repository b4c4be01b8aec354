import type { z } from 'zod';

/**
 * A JSON value our own code stored in a Table row, read back: a row written by an older version,
 * cut short or hand-edited parses as absent rather than failing the item that reads it.
 */
export function parseStoredJson<S extends z.ZodTypeAny>(schema: S, json: string | undefined): z.infer<S> | undefined {
  if (!json) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
