import { randomBytes, webcrypto } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { unauthorized } from './api-error.ts';
import type { FlawName } from './flaws.ts';

/**
 * Bearer tokens: HS256 JWTs whose `tid` claim is the tenant and `sub` the user. The secret is
 * held in a closure and never logged or echoed; errors say only which kind of failure it was.
 */

/** Who a request acts for, from its token. */
export interface TokenClaims {
  tenant: string;
  user: string;
}

/** Options of {@link TokenService.mint}. */
export interface MintOptions {
  /** Lifetime in seconds (default 3600); negative mints an already expired token (tests). */
  expiresInSeconds?: number;
  /** Sign with this secret instead of the server's (tests: a wrong signature). */
  secret?: string;
}

/** Mints and verifies the app's tokens. */
export interface TokenService {
  mint(tenant: string, user: string, options?: MintOptions): Promise<string>;
  /** The claims of a valid token; throws a 401 ApiError otherwise. */
  verify(token: string): Promise<TokenClaims>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The env variable that holds the secret when the options give none. */
export const jwtSecretEnv = 'TENANTGUARD_JWT_SECRET';

/** The secret: given, from the environment, or random for this server's life. */
export function resolveJwtSecret(given: string | undefined): string {
  return given ?? process.env[jwtSecretEnv] ?? randomBytes(32).toString('base64url');
}

/**
 * Checks the claims' shape. The tenant must be a UUID (it keys the database); the user is an
 * opaque subject (identity providers use `auth0|...` and the like), so only its size is bounded.
 */
function claimsOf(payload: Record<string, unknown>): TokenClaims {
  const { tid, sub } = payload;
  if (typeof tid !== 'string' || !uuidPattern.test(tid)) throw unauthorized('invalid-token');
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) throw unauthorized('invalid-token');
  return { tenant: tid.toLowerCase(), user: sub };
}

/**
 * Tokens this server has verified, until they expire: clients send the same token for its whole
 * life, and an HMAC through WebCrypto per request was a tenth of the server's CPU under load.
 * Keyed by the whole token string (signature included), so only a byte-for-byte copy of a
 * verified token hits; its expiry is checked on every hit. Bounded: the oldest entries go first.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { claims: TokenClaims; exp: number }>();
  constructor(private readonly limit = 10_000) {}

  get(token: string): TokenClaims | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    // Expired: verify again, so the answer is jose's (expired-token), not ours.
    if (entry.exp <= Date.now() / 1000) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  set(token: string, claims: TokenClaims, exp: number): void {
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { claims, exp });
  }
}

/** Builds the token service for one server; `flaw` may weaken verification (see flaws.ts). */
export function createTokenService(secret: string, flaw: FlawName | undefined): TokenService {
  const key = new TextEncoder().encode(secret);
  // Imported once: given raw bytes, jose imports a fresh CryptoKey on every verification.
  let verifyKey: Promise<webcrypto.CryptoKey> | undefined;
  const keyForVerify = () => (verifyKey ??= webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']));
  const verified = new VerifiedTokens();
  return {
    async mint(tenant, user, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ tid: tenant })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(user)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
        .sign(options.secret === undefined ? key : new TextEncoder().encode(options.secret));
    },
    async verify(token) {
      if (flaw === 'unverified-token') {
        // FLAW(unverified-token): the payload is decoded and trusted; signature, algorithm
        // (even `none`) and expiry are never checked, so anyone can name any tenant.
        let payload: Record<string, unknown>;
        try {
          payload = decodeJwt(token);
        } catch {
          throw unauthorized('invalid-token');
        }
        return claimsOf(payload);
      }
      const known = verified.get(token);
      if (known) return known;
      try {
        // Only HS256: an `alg: none` or an asymmetric header is refused, not negotiated.
        const { payload } = await jwtVerify(token, await keyForVerify(), { algorithms: ['HS256'] });
        const claims = claimsOf(payload);
        if (typeof payload.exp === 'number') verified.set(token, claims, payload.exp);
        return claims;
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw unauthorized('expired-token');
        if (error instanceof joseErrors.JOSEError) throw unauthorized('invalid-token');
        throw error;
      }
    },
  };
}
