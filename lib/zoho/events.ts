/**
 * Meetings (module `Events`) without invitations.
 *
 * The sync must never make Zoho e-mail participants: the invitation decision was taken in Outlook
 * (SPEC §2.4). What the OpenAPI files support:
 * - cancel_meetings.json: POST /Events/{id}/actions/cancel with `send_cancelling_mail` — the one
 *   documented notification switch, used here with `false`.
 * - record.json has no invitation flag for insert/update (its Participants schema only reports
 *   `invited` in answers). Zoho's docs samples and third-party code use `$send_notification`;
 *   zoho.md marks the flag [verify in sandbox]. The sync therefore sends `$send_notification:
 *   false` explicitly on Events writes with Participants: if the flag exists, `false` is the safe
 *   value; whether Zoho ignores it or refuses it when it does not exist is unverified too. A sandbox
 *   check of the participants' `invited` status is owed before real calendars are synced.
 */
import type { ZohoHttp } from './http';
import { toResultFor } from './records';
import { actionResponse, parseOrThrow } from './schemas';
import type { ZohoRecord, ZohoRecordResult } from './types';

const EVENTS_MODULE = 'Events';
/** Documented in no OAS file; see the module comment. */
export const EVENT_NOTIFICATION_FLAG = '$send_notification';

/** The event record with invitations switched off. */
export function withoutInvitations<T extends ZohoRecord>(event: T): T & { [EVENT_NOTIFICATION_FLAG]: false } {
  return { ...event, [EVENT_NOTIFICATION_FLAG]: false };
}

/**
 * Cancels a meeting, keeping it in CRM history (prefer this to delete when the Outlook meeting was
 * cancelled). `sendCancellingMail` defaults to false for the same reason as invitations.
 */
export async function cancelEvent(http: ZohoHttp, eventId: string, opts: { sendCancellingMail?: boolean } = {}): Promise<ZohoRecordResult> {
  const path = `/${EVENTS_MODULE}/{id}/actions/cancel`;
  const res = await http.send({
    method: 'POST',
    path,
    params: { id: eventId },
    json: { data: [{ send_cancelling_mail: opts.sendCancellingMail ?? false }] },
    itemsKey: 'data',
  });
  const item = parseOrThrow(actionResponse, res.body, `POST /crm/v8${path}`, res.status).data[0];
  if (!item) return { status: 'error', code: 'NO_CONTENT', message: 'empty answer', details: {} };
  const result = toResultFor(item, eventId);
  // cancel_meetings.json answers a refusal for lack of permission with 403 and the same
  // INVALID_DATA + `details.id` as an unknown id (400): only the status tells "no permission"
  // from "already gone", and reading it as gone would drop the link of a meeting still live.
  if (res.status === 403 && result.status === 'error') return { ...result, code: 'NO_PERMISSION' };
  return result;
}
