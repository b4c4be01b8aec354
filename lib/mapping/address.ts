/**
 * E-mail addresses as every module compares them: the SMTP form, lower-cased. Shared by attendee
 * resolution (events) and e-mail filing, so an address that finds a Zoho record in one finds it in
 * the other.
 */

/**
 * The SMTP form of an address, lower-cased, or null. Exchange legacy DNs (`/o=ExchangeLabs/...`)
 * and other non-SMTP values come back as null: Zoho refuses them and they match nobody.
 */
export function normalizeAddress(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  const address = raw.trim().replace(/^<(.*)>$/, '$1').trim().toLowerCase();
  return /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:.][^\s@<>()",;:]*$/.test(address) ? address : null;
}
