import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { answer } from '../lib/mail/http';
import { getRuntime } from '../lib/runtime';

/** GET /api/mail/search?module=Leads|Contacts|Deals&q=: records to attach an e-mail to (SPEC §3.2 way 2). */
export async function mailSearch(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const logger = contextLogger(context, { fn: 'mail-search', invocationId: context.invocationId });
  return answer('search', logger, () => getRuntime().mail.search({ module: request.query.get('module'), q: request.query.get('q') }));
}

app.http('mail-search', { methods: ['GET'], authLevel: 'function', route: 'mail/search', handler: mailSearch });
