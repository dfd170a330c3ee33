import type { SeedManifest, SeededTable } from '../../core/manifest.ts';
import { formatQualifiedName, parseQualifiedName } from '../../core/names.ts';
import type { SqlClient } from '../../core/sql.ts';
import { HarnessError } from '../../core/errors.ts';
import { withClient } from '../../db/connect.ts';
import { quoteIdent, quoteQualified } from '../../db/quote.ts';
import type { ApiResource, HttpApi } from './api.ts';
import { createCredentialCheck, createCredentials } from './credentials.ts';
import { planState } from './db-state.ts';
import { codecOf, type HttpTarget, type HttpTenant } from './target.ts';

/** Options of {@link buildHttpTarget}. */
export interface BuildHttpTargetOptions {
  /** The running app, `http://host:port`. */
  url: string;
  api: HttpApi;
  /** Admin connection string of the app's database (ground truth; never sent to the app). */
  adminUrl: string;
  manifest: SeedManifest;
  /** Connections in the app's pool (bursts are sized to it; default 10). */
  poolSize?: number;
  /** The app's HMAC secret: required for `jwt` auth, the harness mints the tokens. */
  jwtSecret?: string;
  /** Row keys read per tenant and resource (default 8). */
  rowsPerTenant?: number;
}

/**
 * A tenant's member, manifest first: its own `users`, else the first key of a table owned by
 * reference (users, owned through the memberships that reference them), else ''.
 */
function memberOf(manifest: SeedManifest, index: number): string {
  const own = manifest.tenants[index]?.users?.[0];
  if (own !== undefined) return own;
  const table = manifest.tables.find((t) => t.ownership.kind === 'referenced' && t.keyColumns.length === 1 && (t.keys.get(index)?.length ?? 0) > 0);
  return table ? ([...table.keys.get(index)!].map((k) => k[0]!).sort()[0] ?? '') : '';
}

/** The column `{id}` takes: the description's, else the single key column left once the tenant column is set aside. */
function idColumnOf(resource: ApiResource, table: SeededTable): string {
  if (resource.idColumn) return resource.idColumn;
  const own = table.ownership.kind === 'column' ? table.ownership.column : null;
  const rest = table.keyColumns.filter((c) => c !== own);
  if (rest.length === 1) return rest[0]!;
  throw new HarnessError('scenario-invalid', `the resource ${resource.table} needs an idColumn: its key is (${table.keyColumns.join(', ')})`, { hint: 'Name the column whose value the routes take as {id}.' });
}

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** Reads each tenant's seeded rows of one resource (by the manifest's keys, as the admin): ids and a sample row. */
async function readRows(client: SqlClient, manifest: SeedManifest, resource: ApiResource, perTenant: number): Promise<{ ids: string[]; sample: Record<string, string> | null }[]> {
  const name = parseQualifiedName(resource.table);
  const table = manifest.tables.find((t) => formatQualifiedName(t.table) === formatQualifiedName(name));
  if (!table) throw new HarnessError('scenario-invalid', `the resource table ${resource.table} is not among the seeded tables`, { hint: 'Name a table of the schema as schema.name.' });
  const idColumn = idColumnOf(resource, table);
  const keys = manifest.tenants.flatMap((t) => (table.keys.get(t.index) ?? []).slice(0, perTenant).map((key, n) => ({ tenant: t.index, n, key })));
  const cols = table.keyColumns;
  // One query per resource: the keys as parallel text arrays, joined on the columns' text form.
  const arrays = cols.map((_, i) => keys.map((k) => k.key[i] ?? null));
  const sql = `select k.tenant, k.n, row_to_json(x)::text as row from ${quoteQualified(name)} x
      join unnest(${cols.map((_, i) => `$${i + 3}::text[]`).join(', ')}, $1::int[], $2::int[]) as k(${cols.map((_, i) => `c${i}`).join(', ')}, tenant, n)
        on ${cols.map((c, i) => `x.${quoteIdent(c)}::text = k.c${i}`).join(' and ')} order by k.tenant, k.n`;
  const { rows } = await client.query<{ tenant: number; n: number; row: string }>(sql, [keys.map((k) => k.tenant), keys.map((k) => k.n), ...arrays]);
  return manifest.tenants.map((t) => {
    const mine = rows.filter((r) => r.tenant === t.index).map((r) => Object.fromEntries(Object.entries(JSON.parse(r.row) as Record<string, unknown>).filter(([, v]) => v !== null).map(([k, v]) => [k, text(v)])));
    return { ids: mine.map((r) => r[idColumn]).filter((id): id is string => id !== undefined), sample: mine[0] ?? null };
  });
}

/**
 * Builds the target of the HTTP attacks against a running app described by `api`: tenants
 * (ids and a member, from the manifest), each tenant's row ids and a sample row per resource
 * (the manifest's keys, read as the admin), the state the write judge snapshots, and the
 * credential function (tokens minted with `jwtSecret`, or header values from the description,
 * read once per tenant when it gives a query).
 */
export async function buildHttpTarget(options: BuildHttpTargetOptions): Promise<HttpTarget> {
  const { api, manifest } = options;
  if (api.auth.kind === 'jwt' && options.jwtSecret === undefined) {
    throw new HarnessError('usage', `the API ${api.name} takes JWTs: the harness needs the app's secret to mint them`, { hint: 'Pass the secret the app verifies tokens with.' });
  }
  const codec = codecOf(manifest);
  const auth = api.auth;
  const { perResource, state, headerValues } = await withClient(options.adminUrl, async (client) => {
    const perResource = [];
    for (const resource of api.resources) perResource.push(await readRows(client, manifest, resource, options.rowsPerTenant ?? 8));
    const headerValues: (string | undefined)[] = [];
    if (auth.kind === 'header' && auth.query) {
      for (const t of manifest.tenants) {
        const { rows } = await client.query(auth.query, [t.id]);
        const first = rows[0] ? Object.values(rows[0])[0] : undefined;
        headerValues.push(first === undefined || first === null ? undefined : String(first));
      }
    }
    return { perResource, state: await planState(client, manifest, codec), headerValues };
  });
  const tenants: HttpTenant[] = manifest.tenants.map((t, n) => ({
    index: t.index,
    id: t.id,
    user: memberOf(manifest, n),
    ids: perResource.map((r) => r[n]!.ids),
    samples: perResource.map((r) => r[n]!.sample),
  }));
  return {
    url: options.url.replace(/\/+$/, ''),
    api,
    credentials: createCredentials(auth, tenants, options.jwtSecret, headerValues),
    liveCredential: createCredentialCheck(auth, tenants, options.jwtSecret, headerValues),
    adminUrl: options.adminUrl,
    manifest,
    codec,
    tenants,
    poolSize: options.poolSize ?? 10,
    state,
  };
}
