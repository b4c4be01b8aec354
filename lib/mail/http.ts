/**
 * The HTTP face of the operator actions: JSON in, JSON out, and every failure as a status an
 * Outlook add-in or a script can act on. Kept free of Azure Functions types: the functions pass
 * the request (structurally) and get an HttpResponseInit-shaped answer back.
 */
import { AuthError } from '../auth/entra-token';
import { mailCaller, type MailCaller, type MailRouteAuth } from '../auth/mail-access';
import { GraphApiError, GraphNotFoundError, GraphPermissionError } from '../graph/errors';
import { InvalidPathSegmentError } from '../graph/path';
import { contextLogger, type ContextLike, type Logger } from '../log';
import { getRuntime, type Runtime } from '../runtime';
import { ItemBusyError, ZohoRecordRefused, zohoReason } from '../sync/outcome';
import { ZohoApiError } from '../zoho/errors';
import { MailActionError } from './actions';

export interface HttpAnswer {
  status: number;
  jsonBody: unknown;
  headers?: Record<string, string>;
}

const RETRY_SECONDS = 5;

/** The request body as JSON; a body that is not JSON is the caller's error (400). */
export function jsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new MailActionError(400, 'The request body is not valid JSON');
  }
}

export async function answer(action: string, logger: Logger, run: () => Promise<unknown>): Promise<HttpAnswer> {
  try {
    return { status: 200, jsonBody: await run() };
  } catch (err) {
    const a = failure(err);
    const log = { action, status: a.status, error: (err as Error)?.name, code: (err as { code?: string })?.code };
    if (a.status >= 500) logger.error('mail action failed', log);
    else logger.warn('mail action refused', log);
    return a;
  }
}

/** What a mail route reads of the request; @azure/functions' HttpRequest fits. */
export interface MailRequest {
  headers: { get(name: string): string | null };
  query: { get(name: string): string | null };
  text(): Promise<string>;
}

export type MailAction = (rt: Runtime, caller: MailCaller, request: MailRequest, logger: Logger) => Promise<unknown>;

/** The four mail actions, each served by a keyed route and its token twin. */
export const MAIL_ACTIONS = {
  add: (async (rt, caller, request, logger) => rt.mail.add(jsonBody(await request.text()), caller, logger)) as MailAction,
  attach: (async (rt, caller, request, logger) => rt.mail.attach(jsonBody(await request.text()), caller, logger)) as MailAction,
  case: (async (rt, caller, request, logger) => rt.mail.createCase(jsonBody(await request.text()), caller, logger)) as MailAction,
  // Reads Zoho only, no mailbox: any authenticated caller may search.
  search: (async (rt, _caller, request) => rt.mail.search({ module: request.query.get('module'), q: request.query.get('q') })) as MailAction,
};

/**
 * One mail route: who calls (function key or bearer token, lib/auth/mail-access.ts), then the
 * action; every refusal is an answer, never a thrown error.
 */
export function mailRoute(action: keyof typeof MAIL_ACTIONS, auth: MailRouteAuth) {
  const run = MAIL_ACTIONS[action];
  return async (request: MailRequest, context: ContextLike & { invocationId: string }): Promise<HttpAnswer> => {
    const logger = contextLogger(context, { fn: `mail-${action}${auth === 'token' ? '-token' : ''}`, invocationId: context.invocationId });
    return answer(action, logger, async () => {
      const rt = getRuntime();
      const caller = await mailCaller(request.headers.get('authorization'), auth, rt.config.MAIL_ROUTES_AUTH, rt.tokens);
      return run(rt, caller, request, logger);
    });
  };
}

function failure(err: unknown): HttpAnswer {
  if (err instanceof AuthError) {
    const challenge: Record<string, string> | undefined = err.status === 401 ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : err.status === 503 ? { 'Retry-After': String(RETRY_SECONDS) } : undefined;
    return { status: err.status, jsonBody: { error: err.message }, ...(challenge ? { headers: challenge } : {}) };
  }
  // Input checks refuse such ids first; this keeps a value that slipped past them a 400, not a 500.
  if (err instanceof InvalidPathSegmentError) return { status: 400, jsonBody: { error: 'The request names an id that is not valid' } };
  if (err instanceof MailActionError) return { status: err.status, jsonBody: { error: err.message, ...err.details } };
  if (err instanceof ItemBusyError) {
    return { status: 503, jsonBody: { error: 'Another request is filing this e-mail right now; repeat the request in a few seconds' }, headers: { 'Retry-After': String(RETRY_SECONDS) } };
  }
  if (err instanceof ZohoRecordRefused) return { status: 422, jsonBody: { error: `Zoho refused the record: ${zohoReason(err.failure.code, err.failure.field, err.failure.message)}`, code: err.failure.code } };
  if (err instanceof GraphNotFoundError) return { status: 404, jsonBody: { error: 'No such user or message in Microsoft 365' } };
  if (err instanceof GraphPermissionError) return { status: 403, jsonBody: { error: 'Microsoft Graph refused access to this mailbox (permission or RBAC scope)', code: err.code } };
  if (err instanceof ZohoApiError || err instanceof GraphApiError) {
    const retry = err.transient ? { 'Retry-After': String(Math.ceil((err.retryAfterMs ?? RETRY_SECONDS * 1000) / 1000)) } : undefined;
    const reason = err instanceof ZohoApiError ? zohoReason(err.code, err.apiName, err.zohoMessage) : `Microsoft Graph error ${err.status} ${err.code}`;
    return { status: err.transient ? 503 : 502, jsonBody: { error: reason, code: err.code }, ...(retry ? { headers: retry } : {}) };
  }
  return { status: 500, jsonBody: { error: 'Internal error; see the function logs' } };
}
