import { CanaryCodec, maxCanariesPerTenant } from '../../core/canary.ts';
import type { SeedManifest } from '../../core/manifest.ts';
import type { ApiOperation, ApiResource, HttpApi } from './api.ts';
import type { CredentialsFn } from './credentials.ts';
import type { CredentialCheck } from './exchange.ts';
import type { StatePlan } from './db-state.ts';
import type { TemplateValues } from './template.ts';

/** One seeded tenant as the HTTP attacks see it: its id, a member, and its rows per resource. */
export interface HttpTenant {
  index: number;
  id: string;
  /** A member of the tenant, the value of `{user}` ('' when the manifest names none). */
  user: string;
  /** Per resource (in `api.resources` order): the `{id}` values of the tenant's seeded rows. */
  ids: string[][];
  /** Per resource: one of the tenant's rows, every column as text (`{row.<column>}`); null when none. */
  samples: (Record<string, string> | null)[];
}

/** A running app to attack, described by `api`, with the ground truth of its seeded database. */
export interface HttpTarget {
  /** `http://host:port`, no trailing slash. */
  url: string;
  api: HttpApi;
  /** Headers that authenticate a request as a tenant: the attacker's legitimate credentials, or (with options) tampered ones. */
  credentials: CredentialsFn;
  /** Recognises live credentials, so reproductions show a variable instead (exchange.ts `curlScript`). */
  liveCredential: CredentialCheck;
  /** Admin connection string: reads ground truth, snapshots and restores rows (never sent anywhere). */
  adminUrl: string;
  manifest: SeedManifest;
  codec: CanaryCodec;
  tenants: HttpTenant[];
  /** Connections in the app's pool: bursts are sized to it. */
  poolSize: number;
  /** What the write judge snapshots and restores (db-state.ts). */
  state: StatePlan;
}

/** The codec that decodes this manifest's canaries. */
export function codecOf(manifest: SeedManifest): CanaryCodec {
  return new CanaryCodec(manifest.runSeed, manifest.tenants.length);
}

/** Counters of `{marker}` canaries start here, far above any seeded canary's. */
const markerBase = maxCanariesPerTenant - 1_000_000;

/**
 * The `n`-th marker of a tenant: a canary nothing was seeded with, so a row a case creates
 * is traceable to its tenant. Each case counts from 0: the rows of earlier cases are gone
 * (restored), and the same case always sends the same markers (exact replay).
 */
export function markerOf(target: HttpTarget, tenant: number, n: number): string {
  return target.codec.token(tenant, markerBase + (n % 1_000_000));
}

/** The template values of a tenant acting on a resource (its sample row for `{row.x}`). */
export function valuesOf(target: HttpTarget, tenant: number, resource?: number, extra: Partial<TemplateValues> = {}): TemplateValues {
  const t = target.tenants[tenant]!;
  return { tenant: t.id, user: t.user, row: resource === undefined ? null : (t.samples[resource] ?? null), ...extra };
}

/** Indexes of the resources that have an operation. */
export function resourcesWith(api: HttpApi, op: 'list' | 'get' | 'create' | 'update' | 'delete'): number[] {
  return api.resources.flatMap((r, i) => (r[op] ? [i] : []));
}

/** Read-only paths whose answers must only carry the caller's data: every list, then `reads`. */
export function readOperations(api: HttpApi): ApiOperation[] {
  return [...api.resources.flatMap((r: ApiResource) => (r.list ? [r.list] : [])), ...api.reads.map((path): ApiOperation => ({ method: 'GET', path }))];
}
