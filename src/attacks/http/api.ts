/**
 * The description of an HTTP API the attacks drive: the reference app's (`referenceApi`) and a
 * user's own (from the scenario's `http` section) are the same shape, so every HTTP probe is
 * written once against this description, never against one app's routes.
 *
 * Paths are templates. Placeholders, filled per request by the attacks:
 * - `{id}`: a row key of the route's resource (the attacker's own or another tenant's, from
 *   the seed manifest and the rows the attacks created);
 * - `{tenant}` / `{user}`: the acting tenant's id and member;
 * - `{marker}`: a fresh canary of the acting tenant (so rows it creates are traceable too);
 * - `{row.<column>}`: a column of one of the acting tenant's existing rows of the resource (a
 *   create that repeats an existing unique value fails half way through its transaction:
 *   `createDuplicate`).
 * Bodies are JSON whose string values may hold the same placeholders; values filled into a
 * path are URL-encoded (template.ts). A path's query string is kept (`/search?q=x`).
 */

/** Methods the attacks send. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One operation of a resource: a path template, and for writes a method and a body template. */
export interface ApiOperation {
  method: HttpMethod;
  path: string;
  body?: unknown;
}

/** A resource served by the API: a table and what the API lets a tenant do with its rows. */
export interface ApiResource {
  /** The table behind the routes, `schema.name` (a table of the seed manifest). */
  table: string;
  /** The column whose value `{id}` takes (default: the manifest's single key column). */
  idColumn?: string;
  /** Where a created row's id is in the create's JSON answer (default `id`; dotted paths allowed). */
  createdIdField?: string;
  list?: ApiOperation;
  get?: ApiOperation;
  create?: ApiOperation;
  /**
   * A create body that repeats a unique value of one of the tenant's rows (`{row.<column>}`),
   * so the create fails half way through its transaction (the pool-reuse and model probes'
   * failing request). Default: the create body with every field named like a column of the
   * row (`fooBar` or `foo_bar`) set to that column's value.
   */
  createDuplicate?: unknown;
  update?: ApiOperation;
  delete?: ApiOperation;
}

/** How a tenant's requests are authenticated. */
export type ApiAuth =
  /**
   * HMAC-signed JWTs the harness mints itself with the app's secret; `claims` values are
   * templates (`{tenant}`, `{user}`). Token tampering applies only to this kind.
   */
  | { kind: 'jwt'; header: string; scheme: string; algorithm: 'HS256' | 'HS384' | 'HS512'; claims: Record<string, unknown>; expiresInSeconds: number }
  /** A header whose value is per tenant: a template, or read as the admin with a query taking the tenant id as $1. */
  | { kind: 'header'; header: string; value?: string; query?: string };

/** Where a client could try to name a tenant other than its credentials'. */
export interface ApiTenantOverrides {
  headers: string[];
  bodyFields: string[];
  queryParams: string[];
}

/** An API under attack. */
export interface HttpApi {
  /** Shown in reports (`reference`, or the scenario's name). */
  name: string;
  auth: ApiAuth;
  resources: ApiResource[];
  /** Further read-only paths whose answers must only carry the caller's data (reports, search). */
  reads: string[];
  tenantOverrides: ApiTenantOverrides;
  /** A path that answers 2xx when the app is up (polled before attacking). */
  health: string;
}

/** The tenant overrides tried when a description names none. */
export const defaultTenantOverrides: ApiTenantOverrides = {
  headers: ['X-Tenant-Id', 'x-tenant-id'],
  bodyFields: ['tenantId', 'tenant_id'],
  queryParams: ['tenant_id', 'tenantId'],
};

/** The reference app (`src/app/`) described for the attacks: what the self-test drives. */
export const referenceApi: HttpApi = {
  name: 'reference',
  auth: { kind: 'jwt', header: 'authorization', scheme: 'Bearer', algorithm: 'HS256', claims: { tid: '{tenant}', sub: '{user}' }, expiresInSeconds: 3600 },
  resources: [
    {
      table: 'public.projects',
      list: { method: 'GET', path: '/projects' },
      get: { method: 'GET', path: '/projects/{id}' },
      create: { method: 'POST', path: '/projects', body: { name: 'tenantguard {marker}', slug: '{marker}' } },
      createDuplicate: { name: 'tenantguard duplicate', slug: '{row.slug}' },
      update: { method: 'PATCH', path: '/projects/{id}', body: { name: 'tenantguard {marker}' } },
      delete: { method: 'DELETE', path: '/projects/{id}' },
    },
    {
      table: 'public.documents',
      list: { method: 'GET', path: '/documents' },
      get: { method: 'GET', path: '/documents/{id}' },
      update: { method: 'PATCH', path: '/documents/{id}', body: { title: 'tenantguard {marker}' } },
      delete: { method: 'DELETE', path: '/documents/{id}' },
    },
    {
      table: 'public.invoices',
      list: { method: 'GET', path: '/invoices' },
      get: { method: 'GET', path: '/invoices/{id}' },
      update: { method: 'PATCH', path: '/invoices/{id}', body: { status: 'void' } },
      delete: { method: 'DELETE', path: '/invoices/{id}' },
    },
  ],
  reads: ['/reports/summary', '/search/documents?q=tg'],
  tenantOverrides: defaultTenantOverrides,
  health: '/health',
};
