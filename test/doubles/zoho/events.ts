/**
 * POST /crm/v8/Events/{id}/actions/cancel (cancel_meetings.json). The body is
 * `{ data: [{ send_cancelling_mail: boolean }] }`; the flag is mandatory. Answers as the OAS
 * describes them: 200 `{ data: [success] }`, 400 `{ data: [MANDATORY_NOT_FOUND | INVALID_DATA] }`,
 * 403 `{ data: [{ code: INVALID_DATA, details: { id, reason } }] }`. Every cancellation is kept
 * with its flag so tests can assert that no cancellation mail was requested.
 */
import { item, json, type Reply } from './respond';
import type { DoubleState } from './state';

export function cancelRoute(state: DoubleState, id: string, body: unknown): Reply {
  if (!state.get('Events', id)) return json(400, { data: [item('INVALID_DATA', 'the id given seems to be invalid', { id })] });
  if (state.denied('edit', 'Events', id)) {
    return json(403, { data: [item('INVALID_DATA', 'permission denied', { id, reason: 'no permission to cancel this meeting' })] });
  }
  const data = body && typeof body === 'object' ? (body as { data?: unknown }).data : undefined;
  const first = Array.isArray(data) ? (data[0] as Record<string, unknown> | undefined) : undefined;
  if (!first || first.send_cancelling_mail === undefined) {
    return json(400, { data: [item('MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'send_cancelling_mail', json_path: '$.data[0].send_cancelling_mail' })] });
  }
  if (typeof first.send_cancelling_mail !== 'boolean') {
    return json(400, { data: [item('INVALID_DATA', 'invalid data', { expected_data_type: 'boolean', api_name: 'send_cancelling_mail', json_path: '$.data[0].send_cancelling_mail' })] });
  }
  state.cancellations.push({ eventId: id, sendCancellingMail: first.send_cancelling_mail });
  return json(200, { data: [item('SUCCESS', 'Meeting cancelled successfully', { id })] });
}
