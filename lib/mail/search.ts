/**
 * "Search and add" (SPEC §3.2 way 2), the pure part: the Zoho search for what the operator typed
 * (an e-mail address for Leads and Contacts; for Deals a deal name, or a contact's e-mail address:
 * the Deals whose Contact_Name has it, as the seed finds Deals) and the answer's shape.
 */
import { z } from 'zod';
import { buildCoql, where } from '../zoho/coql';
import { searchCriterion, type ZohoSearchQuery } from '../zoho/search';
import type { ZohoRecord } from '../zoho/types';
import { normalizeAddress } from '../mapping/address';

export const SEARCH_MODULES = ['Leads', 'Contacts', 'Deals'] as const;
export type SearchModule = (typeof SEARCH_MODULES)[number];

/** Records an operator can pick from; more means the query should be more precise. */
export const SEARCH_LIMIT = 50;

export const SearchInput = z.object({
  module: z.enum(SEARCH_MODULES, { error: `module must be one of ${SEARCH_MODULES.join(', ')}` }),
  q: z
    .string({ error: 'q is required' })
    .trim()
    .min(2, 'q needs at least 2 characters')
    .max(200, 'q is longer than 200 characters')
    .refine((v) => !/[\u0000-\u001f]/.test(v), 'q contains control characters'),
});
export type SearchInput = z.infer<typeof SearchInput>;

const FIELDS: Record<SearchModule, string[]> = {
  Leads: ['Full_Name', 'Email', 'Company', 'Created_Time'],
  Contacts: ['Full_Name', 'Email', 'Account_Name', 'Created_Time'],
  Deals: ['Deal_Name', 'Stage', 'Account_Name', 'Closing_Date', 'Created_Time'],
};

/**
 * A whole address searches every e-mail field (`email=`); a partial one matches the start of
 * Email. Deal names: the tokenised `equals` (a word of the name) or the start of the name.
 */
export function searchQueryFor(input: SearchInput): ZohoSearchQuery {
  const fields = FIELDS[input.module];
  if (input.module === 'Deals') {
    return { criteria: `(${searchCriterion('Deal_Name', 'equals', input.q)}or${searchCriterion('Deal_Name', 'starts_with', input.q)})`, fields };
  }
  const address = normalizeAddress(input.q);
  return address ? { email: address, fields } : { criteria: searchCriterion('Email', 'starts_with', input.q), fields };
}

/**
 * Deals whose contact (the Contact_Name lookup) has this e-mail address: one COQL join, exact and
 * without the search index's lag. Null when `q` is not a whole address.
 */
export function dealsByContactEmailQuery(input: SearchInput): string | null {
  const address = input.module === 'Deals' ? normalizeAddress(input.q) : null;
  if (!address) return null;
  return buildCoql({
    select: [...FIELDS.Deals, 'Contact_Name.Email'],
    from: 'Deals',
    where: where.eq('Contact_Name.Email', address),
    orderBy: [{ field: 'Created_Time', direction: 'asc' }, { field: 'id', direction: 'asc' }],
    limit: SEARCH_LIMIT,
  });
}

export interface SearchHit {
  module: SearchModule;
  id: string;
  name: string | null;
  email?: string | null;
  company?: string | null;
  stage?: string | null;
  closingDate?: string | null;
  createdTime?: string | null;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return (v as { name: string }).name;
  return null;
}

export function toHit(module: SearchModule, r: ZohoRecord): SearchHit {
  if (module === 'Deals') {
    return { module, id: String(r.id), name: text(r.Deal_Name), company: text(r.Account_Name), stage: text(r.Stage), closingDate: text(r.Closing_Date), createdTime: text(r.Created_Time) };
  }
  return { module, id: String(r.id), name: text(r.Full_Name), email: text(r.Email), company: text(module === 'Leads' ? r.Company : r.Account_Name), createdTime: text(r.Created_Time) };
}

/**
 * Zoho's search is a contains-like match sorted by id desc: exact matches first, then the
 * earliest created (the record the sync itself would pick), then the rest.
 */
export function rankHits(input: SearchInput, hits: readonly SearchHit[]): SearchHit[] {
  const q = input.q.toLowerCase();
  const exact = (h: SearchHit) => ((input.module === 'Deals' ? h.name : h.email)?.toLowerCase() === q ? 0 : 1);
  const created = (h: SearchHit) => {
    const t = Date.parse(h.createdTime ?? '');
    return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
  };
  return [...hits].sort((a, b) => exact(a) - exact(b) || created(a) - created(b));
}
