import { randomUUID } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { Access } from './scopes.js';
import { allKeys, insertKey, newestKey, publicKeyOf, retireKeys } from './signing-keys.repo.js';

export interface TokenOptions {
  readonly issuer: string;
  /** Lifetime of an access token. */
  readonly expirySeconds: number;
  readonly now: () => number;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly issuedAt: string;
}

export interface TokenCredential {
  readonly account: number;
  readonly version: number;
}

export interface VerifiedToken {
  readonly subject: string;
  readonly access: readonly Access[];
  /** Refresh tokens carry no access; they buy new access tokens. */
  readonly refresh: boolean;
  /**
   * The account the token was issued to (its id: a later account of the same name is another one)
   * and its credential version then; absent for anonymous and scanner tokens.
   */
  readonly credential: TokenCredential | undefined;
  /** Epoch milliseconds. */
  readonly issuedAt: number;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

const algorithm = 'ES256';

/** How long a replica trusts what it read about keys: a rotation or retirement reaches it within this. */
const keyRecheckMs = 60_000;

export interface SigningKeyInfo {
  readonly kid: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
}

/**
 * Docker registry tokens: ES256 JWTs with an `access` claim. The signing key is made on first start
 * and kept in the database, so every replica signs and verifies alike; rotate() adds a newer key
 * while older, unretired ones keep verifying; retireOlder() ends the older ones (after a leak, say).
 * Every replica re-reads the keys at least once a minute, so a rotation or retirement made by another
 * process (`berth admin`) takes effect everywhere within that. Verified tokens are remembered for at
 * most that minute too, so a client's requests after the first cost a map lookup.
 */
export class TokenService {
  private signing: { kid: string; key: CryptoKey; loadedAt: number } | undefined;
  private readonly verifiers = new Map<string, { key: CryptoKey; loadedAt: number }>();
  private readonly verified = new Map<string, { token: VerifiedToken; until: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: TokenOptions,
  ) {}

  async issue(
    subject: string,
    audience: string,
    access: readonly Access[],
    options: { refresh?: boolean; expirySeconds?: number; credential?: TokenCredential | undefined } = {},
  ): Promise<IssuedToken> {
    const signing = await this.signingKey();
    const now = Math.floor(this.options.now() / 1000);
    const expiresIn = options.expirySeconds ?? this.options.expirySeconds;
    const token = await new SignJWT({
      access,
      ...(options.refresh ? { typ: 'refresh' } : {}),
      ...(options.credential === undefined
        ? {}
        : { uid: options.credential.account, ver: options.credential.version }),
    })
      .setProtectedHeader({ alg: algorithm, kid: signing.kid, typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + expiresIn)
      .setJti(randomUUID())
      .sign(signing.key);
    return { token, expiresIn, issuedAt: new Date(now * 1000).toISOString() };
  }

  /** The token's subject and access when it is ours, current and for this audience; otherwise undefined. */
  async verify(token: string, audience: string): Promise<VerifiedToken | undefined> {
    const now = this.options.now();
    const cached = this.verified.get(token);
    if (cached && cached.until > now) return cached.token;
    try {
      const { payload } = await jwtVerify(token, (header) => this.verifier(header.kid), {
        issuer: this.options.issuer,
        audience,
        algorithms: [algorithm],
        currentDate: new Date(now),
      });
      const verified: VerifiedToken = {
        subject: payload.sub ?? '',
        access: Array.isArray(payload.access) ? (payload.access as Access[]) : [],
        refresh: payload.typ === 'refresh',
        credential:
          typeof payload.uid === 'number' && typeof payload.ver === 'number'
            ? { account: payload.uid, version: payload.ver }
            : undefined,
        issuedAt: (payload.iat ?? 0) * 1000,
        expiresAt: (payload.exp ?? 0) * 1000,
      };
      if (this.verified.size > 50_000) this.verified.clear();
      this.verified.set(token, {
        token: verified,
        until: Math.min((payload.exp ?? 0) * 1000, now + keyRecheckMs),
      });
      return verified;
    } catch {
      return undefined;
    }
  }

  /** Adds a new signing key; tokens signed by the older keys stay valid until they expire. */
  async rotate(): Promise<string> {
    const created = await this.createKey();
    this.signing = created;
    return created.kid;
  }

  /**
   * Retires every key but the newest: tokens they signed stop verifying (on every replica within a
   * minute). Returns the key ids retired.
   */
  async retireOlder(): Promise<string[]> {
    const keys = await this.keys();
    const newest = keys.find((k) => k.retiredAt === null);
    const retiring = keys.filter((k) => k.retiredAt === null && k.kid !== newest?.kid).map((k) => k.kid);
    await retireKeys(this.db, retiring, this.options.now());
    for (const kid of retiring) this.verifiers.delete(kid);
    this.verified.clear();
    return retiring;
  }

  /** Every key, newest first. */
  async keys(): Promise<SigningKeyInfo[]> {
    return allKeys(this.db);
  }

  private async signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    if (this.signing && this.signing.loadedAt > this.options.now() - keyRecheckMs) return this.signing;
    const row = await newestKey(this.db);
    this.signing = row
      ? {
          kid: row.kid,
          key: (await importJWK(JSON.parse(row.privateJwk) as JWK, algorithm)) as CryptoKey,
          loadedAt: this.options.now(),
        }
      : await this.createKey();
    return this.signing;
  }

  private async createKey(): Promise<{ kid: string; key: CryptoKey; loadedAt: number }> {
    const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    await insertKey(this.db, {
      kid,
      algorithm,
      privateJwk: JSON.stringify(await exportJWK(privateKey)),
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg: algorithm, use: 'sig' }),
      now: this.options.now(),
    });
    const loadedAt = this.options.now();
    this.verifiers.set(kid, { key: publicKey, loadedAt });
    return { kid, key: privateKey, loadedAt };
  }

  private async verifier(kid: string | undefined): Promise<CryptoKey> {
    if (!kid) throw new Error('token has no key id');
    const known = this.verifiers.get(kid);
    if (known && known.loadedAt > this.options.now() - keyRecheckMs) return known.key;
    this.verifiers.delete(kid);
    const jwk = await publicKeyOf(this.db, kid);
    if (!jwk) throw new Error('unknown signing key');
    const key = (await importJWK(JSON.parse(jwk) as JWK, algorithm)) as CryptoKey;
    this.verifiers.set(kid, { key, loadedAt: this.options.now() });
    return key;
  }
}
