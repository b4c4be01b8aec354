import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { answer, jsonBody } from '../lib/mail/http';
import { getRuntime } from '../lib/runtime';

/** POST /api/mail/case `{ user, messageId, status, attachments? }`: the e-mail as a Zoho Case (SPEC §3.1). */
export async function mailCase(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const logger = contextLogger(context, { fn: 'mail-case', invocationId: context.invocationId });
  return answer('case', logger, async () => getRuntime().mail.createCase(jsonBody(await request.text()), logger));
}

app.http('mail-case', { methods: ['POST'], authLevel: 'function', route: 'mail/case', handler: mailCase });
