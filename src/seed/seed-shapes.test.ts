import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { introspect } from '../catalog/introspect.ts';
import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import { CanaryCodec } from '../core/canary.ts';
import type { SeedManifest, SeededTable } from '../core/manifest.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { withClient } from '../db/connect.ts';
import { databaseWithSchema, useTestServer } from '../../test/helpers/database.ts';
import { dumpSeededTables, manifestKeys, testTenancy } from './seed-test-support.ts';
import { seedTenants } from './seed-tenants.ts';
import { verifySeed } from './verify-seed.ts';

/**
 * The seeder against three differently shaped schemas, on a real server: every row's owner by
 * the data is its owner by the manifest, canaries decode to it, FKs stay inside a tenant,
 * and the same seed gives the same data on another database.
 */

const fixture = (shape: string) => fileURLToPath(new URL(`../../fixtures/seed/${shape}/schema.sql`, import.meta.url));
const TENANTS = 4;
const ROWS = 7;

const testServer = useTestServer();

interface Seeded {
  url: string;
  snapshot: CatalogSnapshot;
  manifest: SeedManifest;
}

async function seedShape(shape: string, tenancy: Tenancy, seed = 7): Promise<Seeded> {
  const url = await databaseWithSchema(testServer(), { files: [fixture(shape)] }, 'seed');
  const snapshot = await withClient(url, (client) => introspect(client));
  const manifest = await seedTenants(url, snapshot, tenancy, { tenants: TENANTS, rowsPerTable: ROWS, seed });
  return { url, snapshot, manifest };
}

function table(manifest: SeedManifest, name: string): SeededTable {
  const found = manifest.tables.find((t) => t.table.name === name);
  if (!found) throw new Error(`${name} is not in the manifest`);
  return found;
}

async function expectDeterministic(shape: string, tenancy: Tenancy, first: Seeded): Promise<void> {
  const second = await seedShape(shape, tenancy);
  expect(manifestKeys(second.manifest)).toEqual(manifestKeys(first.manifest));
  expect(await dumpSeededTables(second.url, second.snapshot, second.manifest)).toEqual(await dumpSeededTables(first.url, first.snapshot, first.manifest));
}

describe('seedTenants: (a) bigint org ids, composite keys, self-reference', () => {
  const tenancy = testTenancy({ tenantColumns: ['org_id'] });

  it('seeds every table with owners, canaries and in-tenant FKs the data confirms', async () => {
    const seeded = await seedShape('bigint-org', tenancy);
    const { manifest } = seeded;
    expect(manifest.problems).toEqual([]);
    expect(manifest.tenants.map((t) => t.id)).toEqual(['1', '2', '3', '4']);
    expect(await verifySeed(seeded.url, seeded.snapshot, tenancy, manifest)).toEqual([]);
    expect(table(manifest, 'orgs').ownership).toEqual({ kind: 'registry' });
    expect(table(manifest, 'teams').ownership).toEqual({ kind: 'column', column: 'org_id' });
    expect(table(manifest, 'teams').rowCount).toBe(TENANTS * ROWS);
    expect(table(manifest, 'employees').canaryColumns).toEqual(expect.arrayContaining(['email']));
    expect(table(manifest, 'employees').plainColumns.map((p) => p.column)).toEqual(expect.arrayContaining(['org_id', 'id', 'salary']));
    // Shared lookup rows are sliced per tenant but listed as shared (-1).
    expect([...table(manifest, 'countries').keys.keys()]).toEqual([-1]);
    expect(table(manifest, 'pinned_notes').rowCount).toBe(TENANTS * ROWS);
    await withClient(seeded.url, async (client) => {
      const roots = await client.query('select count(*)::int as n from teams where parent_team_id is null');
      const children = await client.query('select count(*)::int as n from teams where parent_team_id is not null');
      expect(roots.rows[0]!.n).toBeGreaterThanOrEqual(TENANTS);
      expect(children.rows[0]!.n).toBeGreaterThan(0);
      const ordered = await client.query('select count(*)::int as n from employees where left_on is not null and left_on <= hired_on');
      expect(ordered.rows[0]!.n).toBe(0);
      // The serial moved past the explicit ids (checked in a transaction rolled back, so the
      // determinism dump below sees the seed alone).
      await client.query('begin');
      const next = await client.query("insert into employees (org_id, team_id, email, salary, hired_on) select org_id, team_id, 'new@example.test', 5000, '2024-01-01' from employees limit 1 returning id");
      const max = await client.query('select max(id) as m from employees where email <> $1', ['new@example.test']);
      expect(BigInt(next.rows[0]!.id)).toBeGreaterThan(BigInt(max.rows[0]!.m));
      await client.query('rollback');
    });
    await expectDeterministic('bigint-org', tenancy, seeded);
  });
});

describe('seedTenants: (b) text tenant ids, partitions, tenant-less children two hops down', () => {
  const tenancy = testTenancy({ tenantColumns: ['workspace_slug'], tenantTable: { schema: 'public', name: 'workspaces' } });

  it('routes rows into existing partitions and owns children through the FK path', async () => {
    const seeded = await seedShape('text-partitioned', tenancy);
    const { manifest } = seeded;
    expect(manifest.problems).toEqual([]);
    const codec = new CanaryCodec(manifest.runSeed, TENANTS);
    for (const tenant of manifest.tenants) {
      expect(tenant.id).toMatch(/^[a-z0-9-]+$/);
      expect(codec.ownerOf(tenant.id)).toBe(tenant.index);
    }
    expect(await verifySeed(seeded.url, seeded.snapshot, tenancy, manifest)).toEqual([]);
    expect(table(manifest, 'cards').ownership).toEqual({ kind: 'path', via: ['public.lanes', 'public.boards'] });
    expect(table(manifest, 'cards').canaryColumns).toEqual(expect.arrayContaining(['body', 'labels']));
    expect(table(manifest, 'events').canaryColumns).toEqual(expect.arrayContaining(['workspace_slug', 'id', 'kind', 'payload']));
    expect(seeded.snapshot.relations.some((r) => r.name === 'events_2024')).toBe(true);
    expect(manifest.tables.some((t) => t.table.name.startsWith('events_'))).toBe(false);
    await withClient(seeded.url, async (client) => {
      for (const partition of ['events_2024', 'events_2025h1', 'metrics_eu', 'metrics_us']) {
        const count = await client.query(`select count(*)::int as n from ${partition}`);
        expect(count.rows[0]!.n, partition).toBeGreaterThan(0);
      }
    });
    await expectDeterministic('text-partitioned', tenancy, seeded);
  });
});

describe('seedTenants: (c) uuid ids, GENERATED ALWAYS identity, enums, short columns, an impossible CHECK', () => {
  const tenancy = testTenancy({ tenantColumns: ['account_id'] });

  it('seeds what it can and reports the table the server refuses, and its dependants, by name', async () => {
    const seeded = await seedShape('uuid-identity', tenancy);
    const { manifest } = seeded;
    const problems = manifest.problems.map((p) => `${p.table}: ${p.reason}`);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^public\.palindromes: .*palindromes_word_reads_backwards/);
    expect(problems[1]).toMatch(/^public\.palindrome_notes: .*public\.palindromes/);
    expect(manifest.tables.map((t) => t.table.name)).not.toContain('palindromes');
    expect(await verifySeed(seeded.url, seeded.snapshot, tenancy, manifest)).toEqual([]);
    const plain = (name: string) => Object.fromEntries(table(manifest, name).plainColumns.map((p) => [p.column, p.reason]));
    expect(plain('agents').handle).toMatch(/shorter than a canary/);
    expect(plain('tickets').status).toMatch(/enum/);
    expect(plain('tickets').priority).toMatch(/CHECK lists/);
    expect(plain('tickets').code).toMatch(/shorter than a canary/);
    expect(table(manifest, 'tickets').canaryColumns).toEqual(expect.arrayContaining(['account_id', 'subject']));
    expect(table(manifest, 'tickets').canaryColumns).not.toContain('estimate_twice');
    await withClient(seeded.url, async (client) => {
      const views = await client.query('select sum(tickets)::int as n from ticket_counts');
      expect(views.rows[0]!.n).toBe(TENANTS * ROWS);
      await client.query('begin');
      const agent = await client.query(
        "insert into agents (account_id, handle, display_name) select account_id, 'zz', 'New' from agents limit 1 returning id",
      );
      const max = await client.query("select max(id) as m from agents where handle <> 'zz'");
      expect(agent.rows[0]!.id).toBeGreaterThan(max.rows[0]!.m);
      await client.query('rollback');
      const empty = await client.query('select count(*)::int as n from palindromes');
      expect(empty.rows[0]!.n).toBe(0);
    });
    await expectDeterministic('uuid-identity', tenancy, seeded);
  });
});
