/** Public surface of the Zoho CRM client. */
export * from './client';
export * from './coql';
export * from './email';
export * from './errors';
export * from './deleted';
export * from './events';
export * from './read';
export { ZOHO_API_PREFIX, ZohoHttp, type ZohoHttpOptions, type ZohoRequest, type ZohoResponse } from './http';
export { concurrencyForEdition, HEAVY_CONCURRENCY } from './limiter';
export { processFieldCache, ZohoFieldCache, type ZohoUserType } from './metadata';
export { MAX_IDS_PER_DELETE, MAX_RECORDS_PER_WRITE } from './records';
export { SEARCH_MAX_RESULTS, searchCriterion, searchValue, type ZohoSearchQuery } from './search';
export * from './token';
export * from './token-store';
export * from './types';
export * from './watch';
