import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessOperations, measureAccessMatrix } from '../src/attacks/access-matrix.ts';
import { openAttackEnv, type OpenAttackEnv } from '../src/attacks/env.ts';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import type { AccessOperation, ReportAccessCell, ReportAccessMatrix } from '../src/core/report.ts';
import { embeddedBackend } from '../src/db/backends/embedded.ts';
import { withClient } from '../src/db/connect.ts';
import { runScenario } from '../src/pipeline/run-scenario.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { seedTenants } from '../src/seed/seed-tenants.ts';
import { referenceAttackEnv } from './helpers/attacks.ts';
import { repoRoot } from './helpers/cli.ts';
import { databaseWithSchema, useTestServer } from './helpers/database.ts';

/**
 * The access matrix measured live: the secure reference leaks nowhere and lets each tenant do
 * every operation the app is granted on its own rows; the leaky report fixture leaks exactly
 * where its SQL comments say, and is blocked or allowed where they say it is safe. The dataset
 * is the same after the matrix as before (every attempt rolled back), and a second measurement
 * gives the same matrix.
 */
const server = useTestServer();

/** The seeded leaky scenario (fixtures/reports/leaky.scenario.json), as the pipeline builds it. */
async function leakyEnv(): Promise<OpenAttackEnv & { url: string }> {
  const scenario = await loadScenario(join(repoRoot, 'fixtures/reports/leaky.scenario.json'));
  const url = await databaseWithSchema(server(), { files: scenario.schema }, 'leaky');
  const snapshot = await withClient(url, (c) => introspect(c));
  const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
  const manifest = await seedTenants(url, snapshot, tenancy, { tenants: scenario.seed.tenants, rowsPerTable: scenario.seed.rowsPerTable, seed: scenario.seed.seed ?? 7 });
  return Object.assign(await openAttackEnv(url, snapshot, tenancy, manifest), { url });
}

/** Outcomes of one relation's cells: operation → the outcomes of every acting tenant. */
function outcomesOf(matrix: ReportAccessMatrix, relation: string): Record<AccessOperation, string[]> {
  const cells = matrix.cells.filter((c) => c.relation === relation);
  return Object.fromEntries(accessOperations.map((op) => [op, cells.filter((c) => c.operation === op).map((c) => c.outcome)])) as Record<AccessOperation, string[]>;
}

/** Every tenant's cell of `relation` × `operation` has this outcome. */
function expectAll(matrix: ReportAccessMatrix, relation: string, operation: AccessOperation, outcome: ReportAccessCell['outcome']): void {
  const cells = matrix.cells.filter((c) => c.relation === relation && c.operation === operation);
  expect(cells.length, `${relation} ${operation}`).toBe(matrix.tenants.length);
  expect(cells.map((c) => [c.tenant, c.outcome, c.detail ?? '']), `${relation} ${operation}`).toEqual(cells.map((c) => [c.tenant, outcome, c.detail ?? '']));
}

/** A checksum of every table's rows, read as the admin. */
async function checksum(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const tables = await c.query<{ t: string }>(`select format('%I.%I', schemaname, tablename) as t from pg_tables where schemaname = 'public' order by 1`);
    const parts: string[] = [];
    for (const { t } of tables.rows) {
      const r = await c.query<{ h: string }>(`select count(*) || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as h from ${t} x`);
      parts.push(`${t}=${r.rows[0]!.h}`);
    }
    return parts.join('\n');
  });
}

/** The shape every matrix keeps: sorted relations, every cell once, in relation, tenant, operation order. */
function expectWellFormed(matrix: ReportAccessMatrix): void {
  expect(matrix.relations).toEqual([...matrix.relations].sort());
  expect(matrix.operations).toEqual(['select', 'insert', 'update', 'delete']);
  const expected = matrix.relations.flatMap((relation) => matrix.tenants.flatMap((t) => matrix.operations.map((operation) => `${relation} #${t.index} ${operation}`)));
  expect(matrix.cells.map((c) => `${c.relation} #${c.tenant} ${c.operation}`)).toEqual(expected);
  for (const cell of matrix.cells) if (cell.outcome !== 'allowed') expect(cell.detail, JSON.stringify(cell)).toBeTruthy();
}

describe('the access matrix on the secure reference', () => {
  let env: OpenAttackEnv & { url: string };
  let matrix: ReportAccessMatrix;
  beforeAll(async () => {
    env = await referenceAttackEnv(server());
    matrix = await measureAccessMatrix(env);
  }, 120_000);
  afterAll(async () => {
    await env?.close();
  });

  it('leaks nowhere, and each operation the app holds is allowed somewhere', () => {
    expectWellFormed(matrix);
    expect(matrix.tenants.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(matrix.cells.filter((c) => c.outcome === 'leaked')).toEqual([]);
    // Every cell was really tried: the reference has rows for every tenant everywhere it grants.
    expect(matrix.cells.filter((c) => c.outcome === 'not-tested')).toEqual([]);
    for (const operation of accessOperations) expect(matrix.cells.some((c) => c.operation === operation && c.outcome === 'allowed'), operation).toBe(true);
    // Reference data (plans) holds no tenant data; partitions the app has no privilege on are not on its surface.
    expect(matrix.relations).not.toContain('public.plans');
    expect(matrix.relations).toContain('public.project_summaries');
  });

  it('is allowed exactly where the schema grants, and blocked elsewhere', () => {
    for (const table of ['public.projects', 'public.documents', 'public.tags', 'public.document_tags', 'public.comments', 'public.invoices', 'public.invoice_line_items']) {
      for (const operation of accessOperations) expectAll(matrix, table, operation, 'allowed');
    }
    expectAll(matrix, 'public.audit_events', 'select', 'allowed');
    expectAll(matrix, 'public.audit_events', 'insert', 'allowed');
    expectAll(matrix, 'public.audit_events', 'update', 'blocked');
    expectAll(matrix, 'public.memberships', 'update', 'allowed');
    expectAll(matrix, 'public.memberships', 'delete', 'allowed');
    expectAll(matrix, 'public.memberships', 'insert', 'blocked');
    expectAll(matrix, 'public.tenants', 'select', 'allowed');
    expectAll(matrix, 'public.tenants', 'update', 'allowed');
    expectAll(matrix, 'public.project_summaries', 'select', 'allowed');
    expect(matrix.cells.find((c) => c.relation === 'public.tenants' && c.operation === 'delete')?.detail).toBe('no privilege');
  });

  it('leaves the data as it was, and measures the same matrix again', async () => {
    const before = await checksum(env.url);
    const again = await measureAccessMatrix(env);
    expect(await checksum(env.url)).toBe(before);
    expect(again).toEqual(matrix);
  });
});

describe('the access matrix on the leaky report fixture', () => {
  let env: OpenAttackEnv & { url: string };
  let matrix: ReportAccessMatrix;
  beforeAll(async () => {
    env = await leakyEnv();
    matrix = await measureAccessMatrix(env);
  }, 120_000);
  afterAll(async () => {
    await env?.close();
  });

  it('leaks every operation on public.notes (row-level security never enabled)', () => {
    expectWellFormed(matrix);
    for (const operation of accessOperations) expectAll(matrix, 'public.notes', operation, 'leaked');
    const cell = matrix.cells.find((c) => c.relation === 'public.notes' && c.tenant === 0 && c.operation === 'select')!;
    expect(cell.detail).toBe('read rows of tenant #1, #2, #3 (by tenant_id)');
  });

  it('leaks where a write check forgets the tenant, and only there', () => {
    expect(outcomesOf(matrix, 'public.orders')).toEqual({ select: ['allowed', 'allowed', 'allowed'], insert: ['leaked', 'leaked', 'leaked'], update: ['blocked', 'blocked', 'blocked'], delete: ['blocked', 'blocked', 'blocked'] });
    // Moving its own invoices into another tenant passes the business-rule WITH CHECK.
    expectAll(matrix, 'public.invoices', 'update', 'leaked');
    expect(matrix.cells.find((c) => c.relation === 'public.invoices' && c.tenant === 0 && c.operation === 'update')?.detail).toBe('moved its own rows into tenant #1 (UPDATE without WHERE)');
    // Line items: the insert check validates the quantity, not the invoice's tenant.
    expectAll(matrix, 'public.invoice_line_items', 'insert', 'leaked');
    expectAll(matrix, 'public.invoice_line_items', 'select', 'allowed');
  });

  it('is allowed or blocked where the fixture says it is safe', () => {
    expect(outcomesOf(matrix, 'public.comments')).toEqual({ select: ['allowed', 'allowed', 'allowed'], insert: ['allowed', 'allowed', 'allowed'], update: ['allowed', 'allowed', 'allowed'], delete: ['allowed', 'allowed', 'allowed'] });
    // Memberships: UPDATE (role) only, so no row can move. The policy's WITH CHECK is a business
    // rule (role IN (...)) that the seeded roles (canaries) fail even unchanged: the server
    // refuses the update of its own rows too, and the cell says so.
    expect(outcomesOf(matrix, 'public.memberships')).toEqual({ select: ['allowed', 'allowed', 'allowed'], insert: ['blocked', 'blocked', 'blocked'], update: ['blocked', 'blocked', 'blocked'], delete: ['blocked', 'blocked', 'blocked'] });
    for (const cell of matrix.cells.filter((c) => c.relation === 'public.memberships' && c.operation === 'update')) {
      expect(cell.detail).toBe('update of its own row by key (42501): new row violates row-level security policy for table "memberships"');
    }
    expect(outcomesOf(matrix, 'public.audit_events')).toEqual({ select: ['allowed', 'allowed', 'allowed'], insert: ['blocked', 'blocked', 'blocked'], update: ['blocked', 'blocked', 'blocked'], delete: ['blocked', 'blocked', 'blocked'] });
    // Reference data and a tenant table the app cannot touch are not on its surface.
    expect(matrix.relations).not.toContain('public.countries');
    expect(matrix.relations).not.toContain('public.billing_ledger');
  });

  it('leaves the data as it was', async () => {
    const before = await checksum(env.url);
    expect(await measureAccessMatrix(env)).toEqual(matrix);
    expect(await checksum(env.url)).toBe(before);
  });

  it('is in the report of an attack run, the same matrix for the same seed', async () => {
    const loaded = await loadScenario(join(repoRoot, 'fixtures/reports/leaky.scenario.json'));
    const scenario = { ...loaded, attacks: { ...loaded.attacks, runs: 8 } };
    const outcome = await runScenario({ scenario, backend: embeddedBackend(), mode: 'attack' });
    expect(outcome.error).toBeNull();
    expect(outcome.report.accessMatrix).toEqual(matrix);
    // The audit-only mode never reaches the attack phase: no matrix, rather than an empty one.
    const audit = await runScenario({ scenario, backend: embeddedBackend(), mode: 'audit' });
    expect(audit.report.accessMatrix).toBeUndefined();
  }, 120_000);
});
