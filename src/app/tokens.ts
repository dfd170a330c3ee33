import { randomBytes } from 'node:crypto';
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

/** Builds the token service for one server; `flaw` may weaken verification (see flaws.ts). */
export function createTokenService(secret: string, flaw: FlawName | undefined): TokenService {
  const key = new TextEncoder().encode(secret);
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
      try {
        // Only HS256: an `alg: none` or an asymmetric header is refused, not negotiated.
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        return claimsOf(payload);
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw unauthorized('expired-token');
        if (error instanceof joseErrors.JOSEError) throw unauthorized('invalid-token');
        throw error;
      }
    },
  };
}
