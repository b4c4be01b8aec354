/**
 * Fault injection by endpoint label ("GET /users/{id}/contacts/{id}", the same labels the
 * production client counts), or by RegExp over the label. A rule fires for the next `times`
 * matching requests, before authentication, so even the token endpoint can fail.
 */
export interface Fault {
  status?: number;
  code?: string;
  message?: string;
  /** Seconds (number) or any literal header value; omitted → no Retry-After header. */
  retryAfter?: number | string;
  headers?: Record<string, string>;
  /** Never answer (the request stays open until the client gives up or the double closes). */
  hang?: boolean;
  /** Answer normally, but only after this delay (no status: the request is then served as usual). */
  delayMs?: number;
  /** Carry the request out, then answer `status` instead (a create that happened, its answer lost). */
  afterApply?: boolean;
}

export const faults = {
  throttled: (retryAfterSeconds?: number): Fault => ({ status: 429, code: 'TooManyRequests', message: 'Too many requests', retryAfter: retryAfterSeconds }),
  /** Outlook's per-mailbox concurrency refusal. */
  mailboxConcurrency: (retryAfterSeconds?: number): Fault => ({ status: 429, code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.', retryAfter: retryAfterSeconds }),
  unavailable: (retryAfterSeconds?: number): Fault => ({ status: 503, code: 'ServiceUnavailable', message: 'Service Unavailable', retryAfter: retryAfterSeconds }),
  serverError: (): Fault => ({ status: 500, code: 'generalException', message: 'An unexpected error occurred.' }),
  gatewayTimeout: (): Fault => ({ status: 504, code: 'UnknownError', message: '' }),
  hang: (): Fault => ({ hang: true }),
  /** The request is carried out (a POST creates its item), then a 502 (or `status`) is answered. */
  lostAnswer: (status = 502): Fault => ({ status, code: status === 504 ? 'UnknownError' : 'BadGateway', message: '', afterApply: true }),
  slow: (delayMs: number): Fault => ({ delayMs }),
  expiredToken: (): Fault => ({ status: 401, code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' }),
  forbidden: (): Fault => ({ status: 403, code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' }),
};

interface Rule {
  match: string | RegExp;
  fault: Fault;
  remaining: number;
}

export class FaultInjector {
  private rules: Rule[] = [];

  /** Adds a rule for the next `times` requests whose label matches. Rules fire in order added. */
  inject(match: string | RegExp, fault: Fault, times = 1): void {
    this.rules.push({ match, fault, remaining: times });
  }

  /** The fault for this request, if any (consumes one use of the rule). */
  take(label: string): Fault | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && (typeof r.match === 'string' ? r.match === label : r.match.test(label)));
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return rule.fault;
  }

  /** Rules not yet used up (tests check that every injected fault was hit). */
  pending(): number {
    return this.rules.reduce((n, r) => n + r.remaining, 0);
  }

  reset(): void {
    this.rules = [];
  }
}
