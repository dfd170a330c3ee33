import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../src/db/local-server.ts';
import { hasPg15, startPg15, superuserUrl } from './helpers/pg15.ts';
import { processesMentioning } from './helpers/processes.ts';
import { repoRoot, runCli, startCli } from './helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'tenantguard-cli-test-'));
chmodSync(work, 0o755); // the unprivileged postgres user must reach TMPDIRs made inside
afterAll(() => rmSync(work, { recursive: true, force: true }));

function readReport(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
}


describe('tenantguard run', () => {
  it('runs the reference scenario on the embedded backend: audit, attacks and HTTP attacks pass, and the phase not built is listed as not run', async () => {
    const out = join(work, 'reference');
    const result = await runCli(['run', '--tenants', '3', '--rows', '4', '--seed', '7', '--runs', '300', '--no-load', '--out', out]);
    expect(result.stderr).toMatch(/seed 7/);
    expect(result.code).toBe(0);
    const report = readReport(out);
    expect(report).toMatchObject({ complete: true, seed: 7, verdict: 'pass', scenario: { name: 'reference' } });
    expect(report.target).toMatchObject({ backend: 'embedded', writable: true });
    expect(report.seeding.tenants).toBe(3);
    expect(report.seeding.totalRows).toBeGreaterThan(20);
    expect(report.phases.map((p: { phase: string; status: string }) => `${p.phase} ${p.status}`)).toEqual(['audit ran', 'attack ran', 'http ran', 'load not-run']);
    expect(report.phases[3].reason).toMatch(/disabled/);
    // The reference app was attacked over HTTP, and its log is in the run folder.
    expect(report.results.filter((r: { meta: { kind: string } }) => r.meta.kind === 'http').length).toBe(6);
    expect(result.stdout).toMatch(/http {5}ran, 0 finding\(s\), [\d,]+ generated cases/);
    expect(readFileSync(join(out, 'app.log'), 'utf8')).toMatch(/"msg":"request"/);
    expect(report.results.filter((r: { meta: { kind: string } }) => r.meta.kind === 'attack').length).toBeGreaterThan(10);
    expect(result.stdout).toMatch(/PASS: no finding at or above high from \d+ check\(s\); not run: load/);
    expect(result.stdout).toMatch(/attack {3}ran, 0 finding\(s\), [\d,]+ generated attacks/);
    expect(existsSync(join(out, 'postgres.log'))).toBe(true);
    expect(readFileSync(join(out, 'postgres.log'), 'utf8')).toMatch(/ready to accept connections/);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('on %s mid-run stops Postgres, removes its temp dir and writes a partial report marked incomplete', async (signal) => {
    const tmp = join(work, `tmp-${signal}`);
    mkdirSync(tmp, { mode: 0o755 });
    const out = join(work, signal);
    const cli = startCli(['run', '--tenants', '200', '--rows', '2000', '--seed', '3', '--out', out], { TMPDIR: tmp });
    await cli.waitForStderr(/▸ seed/);
    expect(processesMentioning(tmp).length).toBeGreaterThan(0); // postgres is running from the temp dir
    cli.child.kill(signal);
    const result = await cli.done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${signal}: stopping Postgres`);
    const report = readReport(out);
    expect(report.complete).toBe(false);
    expect(report.verdict).toBe('inconclusive');
    expect(report.error.code).toBe('interrupted');
    expect(result.stdout).toMatch(/INCOMPLETE/);
    expect(processesMentioning(tmp)).toEqual([]);
    expect(readdirSync(tmp).filter((name) => name.startsWith('tenantguard-'))).toEqual([]);
  });

  it('infers the tenancy a scenario leaves out and says what it inferred', async () => {
    const file = join(work, 'infer.json');
    writeFileSync(file, JSON.stringify({ schema: join(repoRoot, 'fixtures/reference/schema.sql'), seed: { tenants: 2, rowsPerTable: 2 } }));
    const out = join(work, 'infer');
    const result = await runCli(['run', file, '--runs', '100', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/inferred tenant column: tenant_id/);
    expect(result.stderr).toMatch(/inferred .*app\.tenant_id/);
    expect(readReport(out).tenancy).toMatchObject({ tenantColumns: ['tenant_id'], tenantTable: 'public.tenants', appRole: 'tenantguard_app', login: 'set-role' });
  });

  it("takes ownership from the user's own seed SQL when the scenario brings it", async () => {
    const seedSql = join(work, 'own-seed.sql');
    writeFileSync(
      seedSql,
      [
        "insert into tenants (id, name, slug) values ('00000000-0000-4000-8000-000000000001', 'A', 'a'), ('00000000-0000-4000-8000-000000000002', 'B', 'b');",
        "insert into projects (tenant_id, name, slug) select id, 'P ' || slug, 'p-' || slug from tenants;",
      ].join('\n'),
    );
    const file = join(work, 'own-seed.json');
    writeFileSync(file, JSON.stringify({ schema: join(repoRoot, 'fixtures/reference/schema.sql'), seed: { sql: 'own-seed.sql' } }));
    const out = join(work, 'own-seed');
    const result = await runCli(['run', file, '--runs', '100', '--out', out]);
    expect(result.code).toBe(0);
    const seeding = readReport(out).seeding;
    expect(seeding.tenants).toBe(2);
    expect(seeding.tables.find((t: { table: string }) => t.table === 'public.projects').rows).toBe(2);
  });

  it('reports every scenario problem at once with its path, and exits 3', async () => {
    const file = join(work, 'bad.json');
    writeFileSync(file, JSON.stringify({ schema: 'missing.sql', seed: { tenants: 'ten' }, gates: { failOn: 'severe' }, tenacy: {} }));
    const result = await runCli(['run', file]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/seed\.tenants/);
    expect(result.stderr).toMatch(/gates\.failOn/);
    expect(result.stderr).toMatch(/tenacy/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('names the schema file, line and column of a SQL error, and exits 3', async () => {
    const schema = join(work, 'broken.sql');
    writeFileSync(schema, 'create table tenants (id uuid primary key);\n\ncreate table notes (\n  id uuid primary key,\n  tenant_id uuid references tenants,\n  body txet\n);\n');
    const file = join(work, 'broken.json');
    writeFileSync(file, JSON.stringify({ schema: 'broken.sql' }));
    const out = join(work, 'broken');
    const result = await runCli(['run', file, '--out', out]);
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).toMatch(/broken\.sql:6:8: type "txet" does not exist/);
    expect(readReport(out).error.code).toBe('schema-failed');
  });

  it('fails fast with the alternatives when the container backend has no Docker engine (exit 4)', async () => {
    const result = await runCli(['run', '--backend', 'container', '--out', join(work, 'container')]);
    expect(result.code).toBe(4);
    expect(result.stdout + result.stderr).toMatch(/Docker/);
    expect(result.stdout + result.stderr).toMatch(/--database-url/);
  });

  it('rejects a bad flag value as a usage error (exit 3)', async () => {
    const result = await runCli(['run', '--tenants', 'many']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/--tenants/);
  });

});

describe.runIf(hasPg15)('tenantguard run against an existing server (url backend, PostgreSQL 15)', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startPg15();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses to write without --disposable or --scratch, and never prints the password', async () => {
    const result = await runCli(['run', '--database-url', superuserUrl(server), '--out', join(work, 'url-refused')]);
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).toMatch(/refusing to apply the schema in database "postgres".*not declared disposable/);
    expect(result.stdout + result.stderr).not.toContain(server.password);
    expect(readFileSync(join(work, 'url-refused', 'report.json'), 'utf8')).not.toContain(server.password);
  });

  it('runs the reference scenario in a scratch database it creates and drops', async () => {
    const out = join(work, 'url-scratch');
    const result = await runCli(['run', '--database-url', superuserUrl(server), '--scratch', '--tenants', '2', '--rows', '3', '--runs', '100', '--no-load', '--out', out], {
      DATABASE_URL: '',
    });
    expect(result.code).toBe(0);
    const report = readReport(out);
    expect(report.complete).toBe(true);
    expect(report.target).toMatchObject({ backend: 'url', serverVersion: expect.stringMatching(/^15\./) });
    expect(report.seeding.totalRows).toBeGreaterThan(0);
    expect(JSON.stringify(report) + result.stdout + result.stderr).not.toContain(server.password);
  });
});
