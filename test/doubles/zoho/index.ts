/** Zoho CRM test double: start with `startZohoDouble()`, point the client at `double.url`. */
export { DOUBLE_CREDENTIALS, startZohoDouble, ZohoDouble } from './server';
export type { FaultResponse, FaultSpec, RecordedRequest, ZohoDoubleOptions } from './server';
export type { DoubleUser, PermissionRule, StoredRecord } from './state';
export { CASE_STATUSES, LEAD_SOURCES, MODULE_FIELDS, TASK_PRIORITIES, TASK_STATUSES } from './field-defs';
export { THROTTLE_BODY } from './accounts';
