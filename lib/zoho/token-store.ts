/**
 * Shared cache of the Zoho access token across Function instances. Zoho allows about ten refreshes
 * per ten minutes per refresh token and at most fifteen live access tokens (zoho.md §1), so every
 * instance must reuse the token another one already fetched instead of refreshing on its own.
 *
 * `write` is a compare-and-swap on an opaque etag: it succeeds only when the stored entry is still
 * the one the caller read (or, with `undefined`, when there is none) and returns the new etag. A
 * `false` answer means another instance wrote first; the caller re-reads and uses that token.
 *
 * `refreshingUntil` is the refresh lease: while it lies in the future, one instance is fetching a
 * new token (or Zoho throttled the last refresh) and the others must not ask Zoho themselves.
 */
export interface StoredZohoToken {
  /** '' when no token has been fetched yet (a lease row written before the first refresh). */
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** Epoch milliseconds; 0 or absent = no refresh under way. */
  refreshingUntil?: number;
  etag?: string;
}

export type ZohoTokenEntry = Omit<StoredZohoToken, 'etag'>;

export interface ZohoTokenStore {
  read(): Promise<StoredZohoToken | undefined>;
  write(entry: ZohoTokenEntry, expectedEtag: string | undefined): Promise<string | false>;
}

/** One process only: the default, and what tests share between two client instances. */
export class MemoryTokenStore implements ZohoTokenStore {
  private entry?: StoredZohoToken;
  private version = 0;

  async read(): Promise<StoredZohoToken | undefined> {
    return this.entry ? { ...this.entry } : undefined;
  }

  async write(entry: ZohoTokenEntry, expectedEtag: string | undefined): Promise<string | false> {
    if (this.entry?.etag !== expectedEtag) return false;
    this.version += 1;
    this.entry = { token: entry.token, expiresAt: entry.expiresAt, refreshingUntil: entry.refreshingUntil ?? 0, etag: String(this.version) };
    return this.entry.etag!;
  }
}
