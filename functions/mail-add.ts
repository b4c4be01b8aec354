import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { answer, jsonBody } from '../lib/mail/http';
import { getRuntime } from '../lib/runtime';

/** POST /api/mail/add `{ user, messageId }`: file an e-mail by the e-mail settings (SPEC §3.2 way 1). */
export async function mailAdd(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const logger = contextLogger(context, { fn: 'mail-add', invocationId: context.invocationId });
  return answer('add', logger, async () => getRuntime().mail.add(jsonBody(await request.text()), logger));
}

app.http('mail-add', { methods: ['POST'], authLevel: 'function', route: 'mail/add', handler: mailAdd });
