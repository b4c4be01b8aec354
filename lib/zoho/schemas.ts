/**
 * zod schemas for the response envelopes in Zoho's OpenAPI files for CRM v8 (zoho/crm-oas,
 * 2025-06 snapshot). Objects are loose: Zoho adds keys over time and the OAS marks records
 * `additionalProperties: true`; what the client relies on is required, the rest passes through.
 */
import { z } from 'zod';
import { ZohoResponseValidationError } from './errors';

const details = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish();

/** record.json Success_Response | API_Exception: one entry of `data[]` in a write answer. */
export const actionItem = z.looseObject({
  status: z.string(),
  code: z.string(),
  message: z.string().nullish(),
  details,
  action: z.enum(['insert', 'update']).nullish(),
  duplicate_field: z.string().nullish(),
});
export const actionResponse = z.looseObject({ data: z.array(actionItem) });

/** record.json Info (also the `info` of COQL and search answers). */
export const info = z.looseObject({
  per_page: z.number().nullish(),
  count: z.number().nullish(),
  page: z.number().nullish(),
  more_records: z.boolean().nullish(),
  next_page_token: z.string().nullish(),
});

export const record = z.looseObject({ id: z.string() });

/** record.json / coql.json Response_Wrapper. */
export const recordsResponse = z.looseObject({ data: z.array(record), info: info.nullish() });

/** users.json Response_Wrapper. */
export const usersResponse = z.looseObject({
  users: z.array(
    z.looseObject({
      id: z.string(),
      email: z.string(),
      full_name: z.string().nullish(),
      status: z.string().nullish(),
      zuid: z.string().nullish(),
    }),
  ),
  info: info.nullish(),
});

/** org.json Response_Wrapper. */
export const orgResponse = z.looseObject({
  org: z
    .array(
      z.looseObject({
        id: z.string(),
        company_name: z.string().nullish(),
        time_zone: z.string().nullish(),
        currency: z.string().nullish(),
        license_details: z.looseObject({ paid_type: z.string().nullish() }).nullish(),
      }),
    )
    .min(1),
});

const picklistValue = z.looseObject({ display_value: z.string(), actual_value: z.string(), type: z.string().nullish() });

/** fields.json Response_Wrapper (only the keys the app reads are required). */
export const fieldsResponse = z.looseObject({
  fields: z.array(
    z.looseObject({
      api_name: z.string(),
      data_type: z.string(),
      length: z.number().nullish(),
      system_mandatory: z.boolean().nullish(),
      read_only: z.boolean().nullish(),
      field_read_only: z.boolean().nullish(),
      field_label: z.string().nullish(),
      pick_list_values: z.array(picklistValue).nullish(),
      lookup: z.looseObject({ module: z.looseObject({ api_name: z.string().nullish() }).nullish() }).nullish(),
    }),
  ),
});

/** associate_email.json SuccessWrapper | ErrorWrapper. */
export const emailsResponse = z.looseObject({ Emails: z.array(actionItem) });

/** files.json Action_Wrapper: the same envelope as a record write. */
export const filesResponse = actionResponse;

/**
 * Validates a parsed body; a mismatch is a ZohoResponseValidationError naming only the paths of
 * the problems (values may be personal data).
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, body: unknown, endpoint: string, status: number): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const where = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`)
    .join('; ');
  throw new ZohoResponseValidationError({
    status,
    code: 'INVALID_RESPONSE',
    message: `Zoho answer on ${endpoint} does not match the expected shape (${where})`,
    endpoint,
  });
}
