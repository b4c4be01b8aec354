/**
 * "Search and add" when nothing matches (SPEC §3.2: a new Lead or Contact is created, the e-mail
 * address becomes Email and the display name its name), the pure part: which address and name the
 * new record gets, and the Lead status checked against the org's pick list.
 */
import { z } from 'zod';
import type { GraphMessage } from '../graph/resources/message';
import { normalizeAddress } from '../mapping/address';
import type { ZohoField } from '../zoho/types';
import { chooseOffered, offeredValues } from './case';
import { counterparts, type Direction } from './recipients';

export const CreateInput = z.strictObject(
  {
    email: z.string().trim().max(254).optional(),
    name: z.string().trim().min(1, 'create.name must not be empty').max(200).optional(),
    leadStatus: z.string().trim().min(1, 'create.leadStatus must not be empty').max(120).optional(),
  },
  { error: 'create must be an object: { email?, name?, leadStatus? }' },
);
export type CreateInput = z.infer<typeof CreateInput>;

export type Person = { ok: true; address: string; name: string } | { ok: false; error: string };

/**
 * The person to create: the address given, else the e-mail's counterpart (the sender of a received
 * e-mail, the first recipient of a sent one who is not the mailbox itself); the name given, else
 * that address's display name (newPersonRecord falls back to the address).
 */
export function personToCreate(message: Pick<GraphMessage, 'from' | 'sender' | 'toRecipients' | 'ccRecipients' | 'bccRecipients'>, direction: Direction, self: readonly string[], input: CreateInput): Person {
  if (input.email !== undefined) {
    const address = normalizeAddress(input.email);
    if (!address) return { ok: false, error: 'create.email is not an e-mail address' };
    const known = counterparts(message, direction).find((c) => c.address === address);
    return { ok: true, address, name: input.name ?? known?.name ?? '' };
  }
  const other = counterparts(message, direction).find((c) => !self.includes(c.address));
  if (!other) return { ok: false, error: 'the e-mail has no counterpart address; give create.email' };
  return { ok: true, address: other.address, name: input.name ?? other.name ?? '' };
}

export type LeadStatusChoice = { ok: true; value?: string } | { ok: false; valid: string[] };

/** The org's Lead_Status value for what the operator chose (actual or display value, any case). */
export function chooseLeadStatus(field: ZohoField | undefined, wanted: string | undefined): LeadStatusChoice {
  return wanted === undefined ? { ok: true } : chooseOffered(offeredValues(field), wanted);
}
