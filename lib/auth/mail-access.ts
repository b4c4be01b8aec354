/**
 * Who calls a mail route, and which mailbox that caller may touch (issue 15).
 *
 * Each mail route exists twice: `mail/…` behind the Functions host's function key (scripts), and
 * `token/mail/…`, anonymous at the host, where this code demands a bearer token. The host checks
 * keys before our handler runs and keeps them out of our reach, so a route that takes tokens
 * instead of a key cannot also check the key without copying the secret into a setting; two routes
 * keep the host's own key check (rotation in the portal included) and put only tokens in our code.
 *
 * - A user's delegated token (`scp` access_as_user): that user's mailbox only (`oid`).
 * - An app-only token with the Mail.File.All role, or the function key: any mailbox.
 * - `MAIL_ROUTES_AUTH=token`: the keyed routes also want a token (key-only access is off).
 */
import { AuthError, type EntraTokenValidator, type TokenPrincipal } from './entra-token';

export type MailCaller = { kind: 'key' } | TokenPrincipal;
/** `key`: the host checked a function key (mail/…); `token`: anonymous at the host (token/mail/…). */
export type MailRouteAuth = 'key' | 'token';
export type MailRoutesAuthSetting = 'key-or-token' | 'token';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i;

export async function mailCaller(authorization: string | null, route: MailRouteAuth, setting: MailRoutesAuthSetting, validator: Pick<EntraTokenValidator, 'verify'>): Promise<MailCaller> {
  if (authorization === null || authorization.trim() === '') {
    if (route === 'key' && setting === 'key-or-token') return { kind: 'key' };
    throw new AuthError(401, route === 'key' ? 'Sign in: this app takes a bearer token on the mail routes (MAIL_ROUTES_AUTH=token)' : 'Sign in: send Authorization: Bearer <access token for this app>');
  }
  const bearer = BEARER.exec(authorization);
  if (!bearer) throw new AuthError(401, 'The Authorization header must be "Bearer <access token>"');
  return validator.verify(bearer[1]);
}

/**
 * The mailbox a call may act on. A signed-in user acts on their own mailbox: `user` may be left
 * out, and when given as an object id it must be theirs (a UPN is compared with the mailbox's
 * addresses once it is read, see `assertOwnAddress`). Keys and app tokens must name the mailbox
 * (undefined when they did not).
 */
export function mailboxFor(caller: MailCaller, user: string | undefined): { mailbox: string; claimedUpn?: string } | undefined {
  if (caller.kind !== 'user') return user === undefined ? undefined : { mailbox: user };
  if (user === undefined) return { mailbox: caller.oid };
  if (!user.includes('@')) {
    if (user.toLowerCase() !== caller.oid) throw new AuthError(403, 'A signed-in user may act only on their own mailbox');
    return { mailbox: caller.oid };
  }
  return { mailbox: caller.oid, claimedUpn: user.toLowerCase() };
}

/** The UPN a signed-in user named must be one of their own mailbox's addresses. */
export function assertOwnAddress(claimedUpn: string | undefined, addresses: readonly string[]): void {
  if (claimedUpn !== undefined && !addresses.includes(claimedUpn)) throw new AuthError(403, 'A signed-in user may act only on their own mailbox');
}
