import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import type { SeedManifest } from '../core/manifest.ts';
import { formatQualifiedName } from '../core/names.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { withClient } from '../db/connect.ts';
import { quoteIdent, quoteQualified } from '../db/quote.ts';

/**
 * Helpers for the seeder's tests (and anyone checking a seed for determinism): a tenancy
 * built from a few fields, and a text dump of every seeded table.
 */

/** A tenancy with the application details tests do not care about filled in. */
export function testTenancy(parts: Pick<Tenancy, 'tenantColumns'> & Partial<Tenancy>): Tenancy {
  return {
    appRole: { name: 'app', login: { method: 'set-role' } },
    context: { kind: 'setting', setting: 'app.tenant_id' },
    subject: { kind: 'tenant' },
    inferred: [],
    ...parts,
  };
}

/**
 * Every row of every manifest table as text, sorted, without the columns left to a default
 * (those may hold `now()`): two seeds with one run seed must dump identically.
 */
export async function dumpSeededTables(adminUrl: string, snapshot: CatalogSnapshot, manifest: SeedManifest): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  await withClient(adminUrl, async (client) => {
    await client.query("set timezone = 'UTC'");
    for (const table of manifest.tables) {
      const key = formatQualifiedName(table.table);
      const relation = snapshot.relations.find((r) => formatQualifiedName(r) === key)!;
      const skipped = new Set(table.plainColumns.filter((p) => p.reason.startsWith('left to its default')).map((p) => p.column));
      const columns = relation.columns.filter((c) => !skipped.has(c.name)).map((c) => `coalesce(${quoteIdent(c.name)}::text, 'NULL')`);
      const only = relation.kind === 'table' ? 'only ' : '';
      const result = await client.query<{ line: string }>(
        `select concat_ws(' | ', ${columns.join(', ')}) as line from ${only}${quoteQualified(relation)} order by 1`,
      );
      out[key] = result.rows.map((r) => r.line);
    }
  });
  return out;
}

/** Manifest keys as plain sorted data, for equality checks. */
export function manifestKeys(manifest: SeedManifest): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const table of manifest.tables) {
    const byOwner: Record<string, string[]> = {};
    for (const [owner, keys] of [...table.keys].sort((a, b) => a[0] - b[0])) byOwner[owner] = keys.map((k) => k.join('|')).sort();
    out[formatQualifiedName(table.table)] = byOwner;
  }
  return out;
}
