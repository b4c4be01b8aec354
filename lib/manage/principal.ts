import { z } from 'zod';

/**
 * App Service authentication (Easy Auth) signs the user in with Entra and hands the app the
 * user's claims in `x-ms-client-principal` (base64 JSON). Easy Auth removes that header from
 * incoming requests, so only it can set it; without Easy Auth in front, the header is not
 * trustworthy, which is why a role is only required when MANAGE_UI_ROLE is set.
 */
const Principal = z.looseObject({
  auth_typ: z.string().optional(),
  role_typ: z.string().optional(),
  claims: z.array(z.looseObject({ typ: z.string(), val: z.string() })).default([]),
});

const ROLE_CLAIMS = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];

export type RoleCheck = { ok: true } | { ok: false; status: 401 | 403; reason: string };

export function checkRole(header: string | null, role: string | undefined): RoleCheck {
  if (!role) return { ok: true };
  if (!header) return { ok: false, status: 401, reason: 'Sign in through App Service authentication (Entra) first.' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return { ok: false, status: 401, reason: 'The sign-in header is not readable.' };
  }
  const parsed = Principal.safeParse(json);
  if (!parsed.success) return { ok: false, status: 401, reason: 'The sign-in header is not readable.' };
  const types = new Set([...ROLE_CLAIMS, ...(parsed.data.role_typ ? [parsed.data.role_typ] : [])]);
  const has = parsed.data.claims.some((c) => types.has(c.typ) && c.val === role);
  return has ? { ok: true } : { ok: false, status: 403, reason: `The signed-in account lacks the app role ${role}.` };
}
