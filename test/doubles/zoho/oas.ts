/**
 * A small validator for the parts of JSON Schema that Zoho's OpenAPI files use, so the double's
 * answers can be checked against test/fixtures/zoho/oas/*.json without a schema library.
 *
 * Deliberate leniencies, each because the OAS cannot express what Zoho actually sends:
 * - `null` is accepted where a property is a bare `$ref` (OAS 3.0 cannot mark a $ref nullable, and
 *   Zoho's own samples send null there, e.g. `tooltip`, `crypt` in field metadata);
 * - `oneOf` is checked as "at least one matches" (the generated alternatives overlap);
 * - `enum` is not applied to `message` (human text; the contract is `code`) and `pattern` is
 *   ignored (the files carry placeholder patterns such as `[a-z]{7}[@]zoho[.]com`);
 * - `$ref`s to files not copied here (tags.json) accept anything.
 */
import fs from 'node:fs';
import path from 'node:path';

type Schema = Record<string, unknown>;

const DIR = path.resolve(__dirname, '../../fixtures/zoho/oas');
const docs = new Map<string, Schema | null>();

function load(file: string): Schema | null {
  if (!docs.has(file)) {
    const full = path.join(DIR, file);
    docs.set(file, fs.existsSync(full) ? (JSON.parse(fs.readFileSync(full, 'utf8')) as Schema) : null);
  }
  return docs.get(file)!;
}

function pointer(doc: Schema, ptr: string): Schema {
  let node: unknown = doc;
  for (const part of ptr.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (!node) throw new Error(`unresolved $ref ${ptr}`);
  return node as Schema;
}

function resolveRef(ref: string, file: string): { schema: Schema; file: string } | undefined {
  const hash = ref.indexOf('#');
  const target = hash === 0 ? file : path.basename(ref.slice(0, hash));
  const doc = load(target);
  if (!doc) return undefined;
  return { schema: pointer(doc, ref.slice(hash)), file: target };
}

/** Problems of `value` against `schema` (empty when valid). */
export function validate(value: unknown, schema: Schema, file: string, at = '$', key = ''): string[] {
  if (typeof schema.$ref === 'string') {
    if (value === null) return [];
    const r = resolveRef(schema.$ref, file);
    return r ? validate(value, r.schema, r.file, at, key) : [];
  }
  if (value === null) return schema.nullable === true ? [] : [`${at}: null not allowed`];
  for (const k of ['oneOf', 'anyOf'] as const) {
    const alts = schema[k] as Schema[] | undefined;
    if (alts) {
      const results = alts.map((alt) => validate(value, alt, file, at, key));
      if (results.some((r) => r.length === 0)) return [];
      return results.sort((a, b) => a.length - b.length)[0] ?? [`${at}: no alternative matches`];
    }
  }
  const problems: string[] = [];
  const type = (schema.type as string | undefined) ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected object`];
      const obj = value as Record<string, unknown>;
      for (const req of (schema.required as string[] | undefined) ?? []) if (obj[req] === undefined) problems.push(`${at}.${req}: required`);
      for (const [prop, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
        if (obj[prop] !== undefined) problems.push(...validate(obj[prop], sub, file, `${at}.${prop}`, prop));
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${at}: expected array`];
      if (schema.items) value.forEach((v, i) => problems.push(...validate(v, schema.items as Schema, file, `${at}[${i}]`)));
      if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) problems.push(`${at}: more than ${schema.maxItems} items`);
      break;
    case 'string':
      if (typeof value !== 'string') return [`${at}: expected string`];
      if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) return [`${at}: expected integer`];
      break;
    case 'number':
      if (typeof value !== 'number') return [`${at}: expected number`];
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return [`${at}: expected boolean`];
      break;
    default:
      break;
  }
  if (Array.isArray(schema.enum) && key !== 'message' && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  return problems;
}

/**
 * The response schema of an operation. Zoho's record.json lists only 200 for writes while the
 * API answers 201/207/400 (zoho.md §2); `fallbackStatus` picks the documented one then.
 */
export function responseSchema(file: string, apiPath: string, method: string, status: number, fallbackStatus?: number): Schema {
  const doc = load(file);
  if (!doc) throw new Error(`no OAS file ${file}`);
  const op = ((doc.paths as Record<string, Record<string, Schema>>)[apiPath] ?? {})[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${apiPath} in ${file}`);
  const responses = op.responses as Record<string, Schema>;
  let response = responses[String(status)] ?? (fallbackStatus === undefined ? undefined : responses[String(fallbackStatus)]);
  if (!response) throw new Error(`${file} ${method} ${apiPath} documents no ${status}`);
  if (typeof response.$ref === 'string') response = resolveRef(response.$ref, file)!.schema;
  const content = response.content as Record<string, { schema: Schema }> | undefined;
  const schema = content?.['application/json']?.schema;
  if (!schema) throw new Error(`${file} ${method} ${apiPath} ${status} has no JSON body`);
  return schema;
}

/** Validates a component schema by name, e.g. ('fields.json', 'fields'). */
export function componentSchema(file: string, name: string): Schema {
  const doc = load(file);
  if (!doc) throw new Error(`no OAS file ${file}`);
  return pointer(doc, `#/components/schemas/${name}`);
}

export function check(file: string, schema: Schema, value: unknown): string[] {
  return validate(value, schema, file);
}
