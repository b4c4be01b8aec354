import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { answer, jsonBody } from '../lib/mail/http';
import { getRuntime } from '../lib/runtime';

/** POST /api/mail/attach `{ user, messageId, module, recordId, attachments? }`: file an e-mail on a chosen record. */
export async function mailAttach(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const logger = contextLogger(context, { fn: 'mail-attach', invocationId: context.invocationId });
  return answer('attach', logger, async () => getRuntime().mail.attach(jsonBody(await request.text()), logger));
}

app.http('mail-attach', { methods: ['POST'], authLevel: 'function', route: 'mail/attach', handler: mailAttach });
