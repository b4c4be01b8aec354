import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { provision, SelectionError } from '../lib/provision/provision';
import { parseProvisionRequest } from '../lib/provision/request';
import { getRuntime } from '../lib/runtime';

/** POST /api/manage/provision `{ users } | { groupId } | { all: true }`: category, subscriptions and first sync per user. */
export async function manageProvision(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const logger = contextLogger(context, { fn: 'manage-provision', invocationId: context.invocationId });
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    logger.warn('provision request refused', { reason: 'body is not JSON' });
    return { status: 400, jsonBody: { error: 'the body must be JSON: {"users": [...]}, {"groupId": "..."} or {"all": true}' } };
  }
  const parsed = parseProvisionRequest(body);
  if (!parsed.ok) {
    logger.warn('provision request refused', { reason: parsed.error });
    return { status: 400, jsonBody: { error: parsed.error } };
  }
  try {
    const answer = await provision(getRuntime().provisionDeps(logger), parsed.request);
    logger.info('provision request done', { selection: answer.selection, ...answer.summary });
    return { status: 200, jsonBody: answer };
  } catch (err) {
    if (err instanceof SelectionError) {
      logger.warn('provision request failed', { status: err.status, reason: err.message });
      return { status: err.status, jsonBody: { error: err.message } };
    }
    throw err;
  }
}

app.http('manage-provision', { methods: ['POST'], authLevel: 'admin', route: 'manage/provision', handler: manageProvision });
