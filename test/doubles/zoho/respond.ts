/**
 * Answers in Zoho's shapes. Request-level errors are the flat `{ code, details, message, status }`
 * of common.json API_Exception; per-record entries use the same four keys inside `data[]`.
 * Message texts are taken from the OAS `message` enums or zoho.md where one exists.
 */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Leave the request unanswered (fault injection). */
  hang?: boolean;
  /** Destroy the socket without an answer (fault injection). */
  disconnect?: boolean;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });
export const noContent = (): Reply => ({ status: 204 });

export interface ZohoItem {
  code: string;
  details: Record<string, unknown>;
  message: string;
  status: 'success' | 'error';
  [key: string]: unknown;
}

export const item = (code: string, message: string, details: Record<string, unknown> = {}): ZohoItem => ({
  code,
  details,
  message,
  status: code === 'SUCCESS' ? 'success' : 'error',
});

export const zohoError = (status: number, code: string, message: string, details: Record<string, unknown> = {}): Reply =>
  json(status, item(code, message, details));

export const errors = {
  invalidToken: () => zohoError(401, 'INVALID_TOKEN', 'invalid oauth token'),
  /** zoho.md §1: what a token evicted by the 15-live-tokens rule gets. */
  evictedToken: () => zohoError(401, 'INVALID_OAUTHTOKEN', 'invalid oauth token'),
  authenticationFailure: () => zohoError(401, 'AUTHENTICATION_FAILURE', 'Authentication failed'),
  invalidModule: (index = 0) => zohoError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', { resource_path_index: index }),
  invalidUrl: () => zohoError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one'),
  invalidMethod: () => zohoError(400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one'),
  requiredParam: (param: string) => zohoError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: param }),
  invalidBody: () => zohoError(400, 'INVALID_DATA', 'body', {}),
  noPermission: (permissions: string[]) => zohoError(403, 'NO_PERMISSION', 'permission denied', { permissions }),
  /** zoho.md §6: one code and text for both the concurrency limit and exhausted credits. */
  tooManyRequests: (headers?: Record<string, string>) => ({
    ...zohoError(
      429,
      'TOO_MANY_REQUESTS',
      'Number of API requests for the 24 hour period is exceeded or the concurrency limit of the user for the app is exceeded',
    ),
    headers,
  }),
  internal: (status = 500) => zohoError(status, 'INTERNAL_ERROR', 'Internal server error occurred.'),
  limitExceeded: (details: Record<string, unknown>, message = 'limit exceeded') => zohoError(400, 'LIMIT_EXCEEDED', message, details),
};

/** 201/200 when every entry succeeded, 207 when some did, 400 when none did (zoho.md §2). */
export function itemsStatus(items: ZohoItem[], allOk: number): number {
  const ok = items.filter((i) => i.status === 'success').length;
  if (ok === items.length) return allOk;
  return ok === 0 ? 400 : 207;
}
