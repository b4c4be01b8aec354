/**
 * Shared cache of the Zoho access token across Function instances. Zoho allows about ten refreshes
 * per ten minutes per refresh token and at most fifteen live access tokens (zoho.md §1), so every
 * instance must reuse the token another one already fetched instead of refreshing on its own.
 *
 * `write` is a compare-and-swap on an opaque etag: it succeeds only when the stored entry is still
 * the one the caller read (or, with `undefined`, when there is none). A `false` answer means
 * another instance wrote first; the caller re-reads and uses that token.
 */
export interface StoredZohoToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  etag?: string;
}

export interface ZohoTokenStore {
  read(): Promise<StoredZohoToken | undefined>;
  write(token: { token: string; expiresAt: number }, expectedEtag: string | undefined): Promise<boolean>;
}

/** One process only: the default, and what tests share between two client instances. */
export class MemoryTokenStore implements ZohoTokenStore {
  private entry?: StoredZohoToken;
  private version = 0;

  async read(): Promise<StoredZohoToken | undefined> {
    return this.entry ? { ...this.entry } : undefined;
  }

  async write(token: { token: string; expiresAt: number }, expectedEtag: string | undefined): Promise<boolean> {
    if (this.entry?.etag !== expectedEtag) return false;
    this.version += 1;
    this.entry = { token: token.token, expiresAt: token.expiresAt, etag: String(this.version) };
    return true;
  }
}
