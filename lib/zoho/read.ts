/**
 * Re-reading records by id (record.json `GET /crm/v8/{module}?ids=&fields=`): what applying a
 * change hint from Zoho starts with — callbacks and the sweep only say "these ids changed". Up to
 * 100 ids per call (one credit); `fields` is mandatory in v8 (≤ 50). An id Zoho does not return
 * is gone, or not visible to the API user: the caller decides (it checks `/deleted` or the link).
 */
import type { ZohoHttp } from './http';
import { assertModule, chunk } from './records';
import { parseOrThrow, recordsResponse } from './schemas';
import type { ZohoRecord } from './types';

export const MAX_IDS_PER_READ = 100;

export interface RecordsById {
  records: Map<string, ZohoRecord>;
  /** asked for and not returned */
  missing: string[];
}

export async function getRecordsByIds(http: ZohoHttp, module: string, ids: readonly string[], fields: readonly string[]): Promise<RecordsById> {
  const path = `/${assertModule(module)}`;
  const wanted = [...new Set(ids)];
  const select = [...new Set(['id', ...fields])];
  if (select.length > 50) throw new RangeError('Zoho returns at most 50 fields per read');
  const records = new Map<string, ZohoRecord>();
  for (const part of chunk(wanted, MAX_IDS_PER_READ)) {
    const res = await http.send({ method: 'GET', path, query: { ids: part.join(','), fields: select.join(',') } });
    if (res.status === 204 || res.body === undefined) continue;
    for (const r of parseOrThrow(recordsResponse, res.body, `GET /crm/v8${path}`, res.status).data) records.set(r.id, r);
  }
  return { records, missing: wanted.filter((id) => !records.has(id)) };
}

/** The fields the Zoho → Outlook direction reads per module: mapped fields, owner, and the change time. */
export const REVERSE_READ_FIELDS: Readonly<Record<'Contacts' | 'Tasks' | 'Events', readonly string[]>> = {
  Contacts: [
    'Owner', 'Modified_Time', 'Full_Name', 'First_Name', 'Last_Name', 'Email', 'Title', 'Account_Name', 'Department', 'Phone', 'Home_Phone',
    'Other_Phone', 'Fax', 'Mobile', 'Assistant', 'Asst_Phone', 'Reporting_To', 'Mailing_Street', 'Mailing_City', 'Mailing_State',
    'Mailing_Zip', 'Mailing_Country', 'Other_Street', 'Other_City', 'Other_State', 'Other_Zip', 'Other_Country', 'Description', 'Date_of_Birth',
  ],
  Tasks: ['Owner', 'Modified_Time', 'Subject', 'Due_Date', 'Priority', 'Status', 'Description'],
  Events: ['Owner', 'Modified_Time', 'Event_Title', 'Start_DateTime', 'End_DateTime', 'All_day', 'Venue', 'Description', 'Participants'],
};
