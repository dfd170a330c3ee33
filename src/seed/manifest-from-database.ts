import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import { CanaryCodec, maxCanaryTenants } from '../core/canary.ts';
import { HarnessError, messageOf } from '../core/errors.ts';
import type { SeededTable, SeedManifest } from '../core/manifest.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { connectClient } from '../db/connect.ts';
import { quoteIdent, quoteQualified } from '../db/quote.ts';
import { classifyTables, ownershipOf } from './classify.ts';
import { ownerQuery } from './owner-sql.ts';
import { identifyingColumns } from './unique-keys.ts';

/**
 * The manifest of a database the user seeded with their own SQL. Ownership comes from the
 * data: the tenant column, the registry key, or joins along the foreign-key path; tenants are
 * numbered in the order of their ids. Canaries cannot be encoded after the fact, so
 * `canaryColumns` stay empty (a note says so) and the oracle relies on keys alone.
 */
export async function manifestFromDatabase(adminUrl: string, snapshot: CatalogSnapshot, tenancy: Tenancy, seed: number): Promise<SeedManifest> {
  const began = performance.now();
  const classification = classifyTables(snapshot, tenancy);
  const client = await connectClient(adminUrl, { applicationName: 'tenantguard manifest' });
  try {
    // Key text of time columns in UTC, as the generated manifest writes them.
    await client.query("set timezone = 'UTC'");
    const ids = await readTenantIds(client, classification);
    const indexOf = new Map(ids.map((id, i) => [id, i]));
    const codec = new CanaryCodec(seed, Math.min(Math.max(ids.length, 1), maxCanaryTenants));
    const tables: SeededTable[] = [];
    let totalRows = 0;
    for (const node of classification.order) {
      const keyColumns = identifyingColumns(node.relation) ?? node.relation.columns.filter((c) => c.generated === null).map((c) => c.name);
      const result = await client.query<Record<string, string | null>>(ownerQuery(classification, node, keyColumns));
      const keys = new Map<number, string[][]>();
      for (const row of result.rows) {
        const owner = row.owner === null || row.owner === undefined ? -1 : (indexOf.get(row.owner) ?? -1);
        const list = keys.get(owner) ?? [];
        list.push(keyColumns.map((_, i) => String(row[`k${i}`])));
        keys.set(owner, list);
      }
      totalRows += result.rows.length;
      tables.push({ table: { schema: node.relation.schema, name: node.relation.name }, ownership: ownershipOf(node), keyColumns, keys, canaryColumns: [], plainColumns: [], rowCount: result.rows.length });
    }
    const users = tenancy.subject.kind === 'user' ? await readUsers(client, tenancy, indexOf) : null;
    return {
      runSeed: seed,
      runTag: codec.runTag,
      tenants: ids.map((id, index) => (users ? { index, id, users: users.get(index) ?? [] } : { index, id })),
      tables,
      problems: classification.problems,
      totalRows,
      durationMs: Math.round(performance.now() - began),
      notes: ['derived from existing data: rows carry no canaries, so leaks are judged by row keys only'],
    };
  } catch (error) {
    if (error instanceof HarnessError) throw error;
    throw new HarnessError('seed-failed', `cannot read the seeded data: ${messageOf(error)}`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

type Client = Awaited<ReturnType<typeof connectClient>>;

/** Tenant ids in order: the registry's keys, else every distinct tenant-column value. */
async function readTenantIds(client: Client, classification: ReturnType<typeof classifyTables>): Promise<string[]> {
  if (classification.registry && classification.registryKey) {
    const key = quoteIdent(classification.registryKey);
    const result = await client.query<{ id: string }>(`select ${key}::text as id from ${quoteQualified(classification.registry.relation)} order by ${key}`);
    return result.rows.map((r) => r.id);
  }
  const parts = classification.order
    .filter((n) => n.role === 'tenant')
    .map((n) => `select ${quoteIdent(n.tenantColumn!)}::text as id from ${quoteQualified(n.relation)}`);
  if (parts.length === 0) return [];
  const result = await client.query<{ id: string }>(`select distinct id from (${parts.join(' union ')}) ids where id is not null order by id`);
  return result.rows.map((r) => r.id);
}

async function readUsers(client: Client, tenancy: Tenancy, indexOf: Map<string, number>): Promise<Map<number, string[]>> {
  if (tenancy.subject.kind !== 'user') return new Map();
  const { membershipTable, userColumn, tenantColumn } = tenancy.subject;
  const result = await client.query<{ u: string; t: string }>(
    `select distinct ${quoteIdent(userColumn)}::text as u, ${quoteIdent(tenantColumn)}::text as t from ${quoteQualified(membershipTable)} order by 2, 1`,
  );
  const users = new Map<number, string[]>();
  for (const row of result.rows) {
    const index = indexOf.get(row.t);
    if (index === undefined) continue;
    users.set(index, [...(users.get(index) ?? []), row.u]);
  }
  return users;
}
