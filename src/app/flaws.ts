import { HarnessError } from '../core/errors.ts';

/**
 * The flaws the reference app can be switched into, one at a time, so the harness can prove
 * it detects each. Every flaw is a small branch marked `// FLAW(<name>)` in the code, and is
 * unreachable unless that name was passed to `startReferenceApp`.
 */
export const flawNames = [
  /** `set_config(..., false)`: the tenant stays on the pooled connection after the request. */
  'session-level-tenant',
  /** `GET /invoices/:id` forgets the tenant, and the app role owns `invoices` (RLS not forced). */
  'route-without-tenant',
  /** An `X-Tenant-Id` header or a `tenantId` body field overrides the token's tenant. */
  'tenant-from-header',
  /** The bearer token is decoded, not verified: any signature (or none) is accepted. */
  'unverified-token',
  /** A failed tenant context is swallowed and the request's queries run anyway. */
  'context-failure-ignored',
  /** The fairness gate is bypassed: no admission control, no statement timeout. */
  'no-fairness',
] as const;

/** The name of one switchable flaw. */
export type FlawName = (typeof flawNames)[number];

/** True when `value` names a flaw. */
export function isFlawName(value: unknown): value is FlawName {
  return typeof value === 'string' && (flawNames as readonly string[]).includes(value);
}

/** Checks a flaw name from the command line or options; undefined means the secure app. */
export function parseFlaw(value: string | undefined): FlawName | undefined {
  if (value === undefined) return undefined;
  if (isFlawName(value)) return value;
  throw new HarnessError('usage', `unknown flaw "${value}"`, { hint: `Choose one of: ${flawNames.join(', ')}.` });
}
