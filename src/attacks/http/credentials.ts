import { createHmac } from 'node:crypto';
import type { ApiAuth } from './api.ts';
import type { CredentialCheck } from './exchange.ts';
import { fillBody, fillText } from './template.ts';

/**
 * The attacker's legitimate credentials, made the way the described API expects them: JWTs
 * minted by the harness itself with the app's secret (HMAC only: the harness must be able to
 * sign, and tampering needs the same algorithm family), or a per-tenant header value. The
 * secret stays in the closure of {@link createCredentials}; it is never part of a request
 * spec, a finding or a report.
 */

/** The JWT kind of {@link ApiAuth}. */
export type JwtAuth = Extract<ApiAuth, { kind: 'jwt' }>;

/** How a credential may differ from the tenant's legitimate one (tampering, context failure). */
export interface CredentialOptions {
  /** The value of `{user}` (default: the tenant's member). */
  user?: string;
  /** Claims merged over the description's after filling (jwt only). */
  claims?: Record<string, unknown>;
  /** Sign with this secret instead of the app's (jwt only). */
  secret?: string;
  /** Lifetime in seconds; negative makes an expired token (jwt only). */
  expiresInSeconds?: number;
}

/** Headers for a request as one tenant. */
export type CredentialsFn = (tenant: number, options?: CredentialOptions) => Promise<Record<string, string>>;

const hashes = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/** base64url of a value's JSON. */
export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs a JWT (`header.payload.signature`) with an HMAC algorithm. */
export function signJwt(algorithm: JwtAuth['algorithm'], secret: string, payload: Record<string, unknown>): string {
  const unsigned = `${b64json({ alg: algorithm, typ: 'JWT' })}.${b64json(payload)}`;
  return `${unsigned}.${createHmac(hashes[algorithm], secret).update(unsigned).digest('base64url')}`;
}

/** The description's claims filled for a tenant and user, with `iat` and `exp`. */
export function jwtClaims(auth: JwtAuth, values: { tenant: string; user: string }, options: CredentialOptions = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims = fillBody(auth.claims, values) as Record<string, unknown>;
  return { ...claims, ...options.claims, iat: now, exp: now + (options.expiresInSeconds ?? auth.expiresInSeconds) };
}

/** The header that carries a credential (`Authorization: Bearer x`, or a bare value). */
export function authHeaders(auth: ApiAuth, credential: string): Record<string, string> {
  const scheme = auth.kind === 'jwt' ? auth.scheme : '';
  return { [auth.header]: scheme ? `${scheme} ${credential}` : credential };
}

/** The token inside credential headers (the last word of the auth header), if any. */
export function tokenIn(auth: ApiAuth, headers: Record<string, string>): string | undefined {
  const value = Object.entries(headers).find(([k]) => k.toLowerCase() === auth.header.toLowerCase())?.[1];
  return value?.trim().split(/\s+/).pop();
}

/**
 * The credential function of a target. `tenants` gives `{tenant}`/`{user}` per index;
 * `headerValues` holds the per-tenant values a header description read with its query.
 */
export function createCredentials(auth: ApiAuth, tenants: readonly { id: string; user: string }[], secret: string | undefined, headerValues: readonly (string | undefined)[] = []): CredentialsFn {
  return async (index, options = {}) => {
    const tenant = tenants[index];
    if (!tenant) throw new Error(`no tenant #${index}`);
    const values = { tenant: tenant.id, user: options.user ?? tenant.user };
    if (auth.kind === 'jwt') {
      if (secret === undefined) throw new Error('a jwt description needs the app’s secret to mint tokens');
      return authHeaders(auth, signJwt(auth.algorithm, options.secret ?? secret, jwtClaims(auth, values, options)));
    }
    const value = headerValues[index] ?? (auth.value !== undefined ? fillText(auth.value, values) : undefined);
    if (value === undefined) throw new Error(`no ${auth.header} value for tenant #${index}: give the description a value template or a query`);
    return authHeaders(auth, value);
  };
}

/**
 * The check that keeps live credentials out of reproductions (see `curlScript`): a token that
 * verifies against the app's secret and has not expired, or a tenant's header value. Tokens
 * are described by their claims (not secret), keys by whose they are and where to read them.
 */
export function createCredentialCheck(auth: ApiAuth, tenants: readonly { id: string }[], secret: string | undefined, headerValues: readonly (string | undefined)[] = []): CredentialCheck {
  return (name, value) => {
    if (name.toLowerCase() !== auth.header.toLowerCase()) return null;
    if (auth.kind === 'jwt') {
      const token = value.trim().split(/\s+/).pop() ?? '';
      const [header, payload, signature] = token.split('.');
      if (secret === undefined || !header || !payload || signature === undefined) return null;
      const expected = createHmac(hashes[auth.algorithm], secret).update(`${header}.${payload}`).digest('base64url');
      if (signature !== expected) return null;
      let claims: Record<string, unknown>;
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return null;
      }
      if (typeof claims['exp'] === 'number' && claims['exp'] <= Date.now() / 1000) return null;
      const { iat: _iat, exp: _exp, ...rest } = claims;
      return `a ${auth.algorithm} token signed with the app's secret, claims ${JSON.stringify(rest)} (not kept in the report: mint one with your secret)`;
    }
    const index = tenants.findIndex((t, i) => value === (headerValues[i] ?? (auth.value !== undefined ? fillText(auth.value, { tenant: t.id, user: '' }) : undefined)));
    if (index < 0) return null;
    const id = tenants[index]!.id;
    return `the ${auth.header} of tenant #${index} (${id})${auth.query ? `, read with: ${auth.query.replace(/\$1\b/g, `'${id}'`)}` : ''}`;
  };
}
