import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import { CanaryCodec } from '../core/canary.ts';
import type { SeedManifest } from '../core/manifest.ts';
import { formatQualifiedName } from '../core/names.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { withClient } from '../db/connect.ts';
import { classifyTables, foreignKeys, targetKey } from './classify.ts';
import { ownerQuery } from './owner-sql.ts';

/**
 * Checks a manifest against the data, reading every row as the admin: the owner the data
 * implies (tenant column, or joins along the FK path) is the owner the manifest lists for
 * the row's key; every canary column value decodes to that owner; row counts match; and
 * every foreign key between owned tables stays inside one tenant. Returns what is wrong
 * (empty when the manifest is the truth). The seeder's tests use it; so can a user's suite.
 */
export async function verifySeed(adminUrl: string, snapshot: CatalogSnapshot, tenancy: Tenancy, manifest: SeedManifest): Promise<string[]> {
  const classification = classifyTables(snapshot, tenancy);
  const codec = new CanaryCodec(manifest.runSeed, manifest.tenants.length);
  const tenantIndex = new Map(manifest.tenants.map((t) => [t.id, t.index]));
  const problems: string[] = [];
  const say = (message: string) => {
    if (problems.length < 50) problems.push(message);
  };
  await withClient(adminUrl, async (client) => {
    // Manifest keys of time columns are written in UTC.
    await client.query("set timezone = 'UTC'");
    for (const table of manifest.tables) {
      const key = formatQualifiedName(table.table);
      const node = classification.byKey.get(key);
      if (!node) {
        say(`${key}: in the manifest but not a seeded table of the snapshot`);
        continue;
      }
      const expected = new Map<string, number>();
      for (const [owner, keys] of table.keys) for (const k of keys) expected.set(k.join('\u0001'), owner);
      const columns = [...table.keyColumns, ...table.canaryColumns];
      const result = await client.query<Record<string, string | null>>(ownerQuery(classification, node, columns));
      if (result.rows.length !== table.rowCount) say(`${key}: ${result.rows.length} rows in the table, ${table.rowCount} in the manifest`);
      if (expected.size !== table.rowCount) say(`${key}: ${expected.size} distinct keys for ${table.rowCount} rows`);
      for (const row of result.rows) {
        const owner = row.owner === null ? -1 : (tenantIndex.get(row.owner!) ?? -2);
        const rowKey = table.keyColumns.map((_, i) => row[`k${i}`]).join('\u0001');
        const listed = expected.get(rowKey);
        if (listed !== owner) say(`${key} row (${rowKey}): owner by the data ${owner}, by the manifest ${listed}`);
        table.canaryColumns.forEach((column, j) => {
          const value = row[`k${table.keyColumns.length + j}`];
          if (value === null || value === undefined) return;
          const decoded = codec.ownerOf(value);
          if (decoded !== owner) say(`${key}.${column} = ${value}: decodes to ${decoded}, row owner ${owner}`);
        });
      }
    }
    for (const node of classification.order) {
      if (node.role === 'shared') continue;
      for (const fk of foreignKeys(node.relation)) {
        const parent = classification.byKey.get(targetKey(fk));
        if (!parent || parent.role === 'shared') continue;
        const child = ownerQuery(classification, node, fk.columns);
        const referenced = ownerQuery(classification, parent, fk.references!.columns);
        const on = fk.columns.map((_, i) => `c.k${i} = p.k${i}`).join(' and ');
        const crossing = await client.query<{ n: string }>(
          `with c as (${child}), p as (${referenced}) select count(*)::text as n from c join p on ${on} where c.owner is distinct from p.owner`,
        );
        if (crossing.rows[0]?.n !== '0') say(`${node.key} → ${parent.key} (${fk.name}): ${crossing.rows[0]?.n} rows point at another tenant's row`);
      }
    }
  });
  return problems;
}
