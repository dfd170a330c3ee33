import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../src/core/errors.ts';
import { applySchema } from '../src/db/apply-schema.ts';
import { urlBackend } from '../src/db/backends/url.ts';
import { withClient, withDatabase } from '../src/db/connect.ts';
import type { LocalServer } from '../src/db/local-server.ts';
import { maxRows, maxTables, productionName } from '../src/db/production-guard.ts';
import { repoRoot, runCli } from './helpers/cli.ts';
import { hasPg15, startPg15, superuserUrl } from './helpers/pg15.ts';

describe('the production name rule', () => {
  it('matches prod, production and live as words, not inside other words', () => {
    for (const name of ['prod', 'PROD', 'shop_prod', 'app-production', 'live', 'db.live.2', 'prod2', 'eu_live_orders'])
      expect(productionName(name), name).not.toBeNull();
    for (const name of ['products', 'reproduce', 'delivery', 'olive', 'liveness', 'shop', 'tenantguard_scratch_0a1b2c3d4e', 'postgres', 'staging'])
      expect(productionName(name), name).toBeNull();
  });
});

/**
 * The url backend writes only where the user said it may (`--disposable`, `--scratch`), and
 * even then refuses a database that looks like production unless `--not-production` is given.
 * The refusals are end to end (the CLI as a process: exit 3, a message naming the rule and
 * the override, nothing written); the overrides are shown once end to end and per rule on the
 * backend.
 */
describe.runIf(hasPg15)('the url backend refuses unsafe targets (PostgreSQL 15)', () => {
  let server: LocalServer;
  const work = mkdtempSync(join(tmpdir(), 'tenantguard-url-safety-'));
  const url = (database: string) => withDatabase(superuserUrl(server), database);
  const relations = (database: string) => withClient(url(database), async (c) => (await c.query<{ n: number }>("select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace")).rows[0]!.n);
  const databases = async () => (await withClient(url('postgres'), (c) => c.query<{ datname: string }>('select datname from pg_database order by 1'))).rows.map((r) => r.datname);

  beforeAll(async () => {
    server = await startPg15();
    await withClient(url('postgres'), async (c) => {
      for (const name of ['plain', 'app_production', 'live', 'bigshop', 'manytables']) await c.query(`create database ${name}`);
    });
    // bigshop: a real shop with more rows than the rule allows (the estimate comes from ANALYZE).
    await applySchema(url('bigshop'), [join(repoRoot, 'fixtures/live/shop.sql')]);
    await withClient(url('bigshop'), async (c) => {
      await c.query(`insert into orders select '00000000-0000-4000-8000-000000000001', md5('o' || g)::uuid, g from generate_series(1, ${maxRows + 1}) g`);
      await c.query('analyze');
    });
    await withClient(url('manytables'), (c) => c.query(`do $$ begin for i in 1..${maxTables + 1} loop execute format('create table t%s (id int)', i); end loop; end $$`));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function refused(args: string[], database: string, pattern: RegExp): Promise<void> {
    const before = await relations(database);
    const result = await runCli([...args, '--database-url', url(database), '--out', join(work, `${args[0]}-${database}`), '-q'], { DATABASE_URL: '' });
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(3);
    expect(output).toMatch(pattern);
    expect(output).not.toContain(server.password);
    expect(await relations(database)).toBe(before);
  }

  it('refuses attack and load without --disposable (run is in cli-run.test.ts), writing nothing', async () => {
    await refused(['attack'], 'plain', /refusing to apply the schema in database "plain".*not declared disposable/);
    await refused(['load'], 'plain', /refusing to apply the schema in database "plain".*not declared disposable/);
  });

  it('refuses a database named like production, even with --disposable or --scratch, and names the override', async () => {
    await refused(['attack', '--disposable'], 'app_production', /refusing to write to database "app_production".*looks like production \(name rule: its name contains "production"\)[\s\S]*--not-production/);
    const before = await databases();
    await refused(['run', '--scratch', '--no-load'], 'live', /refusing to create a scratch database beside database "live".*name rule/);
    expect(await databases()).toEqual(before); // no scratch database was created
  });

  it('with --not-production, attacks the database named like production', async () => {
    const out = join(work, 'forced-name');
    const result = await runCli(['attack', '--database-url', url('app_production'), '--disposable', '--not-production', '--tenants', '2', '--rows', '3', '--runs', '50', '--seed', '1', '--out', out, '-q'], { DATABASE_URL: '' });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.target).toMatchObject({ backend: 'url', database: 'app_production', writable: true });
    expect(report.seeding.totalRows).toBeGreaterThan(0);
    expect(JSON.stringify(report) + result.stdout + result.stderr).not.toContain(server.password);
  });

  it('refuses a database with more rows or more tables than the rule allows; audits it read-only all the same', async () => {
    await refused(['attack', '--disposable'], 'bigshop', /refusing to write to database "bigshop".*rows rule: its user tables hold about [\d,]+ rows \(more than 100,000\)/);
    await refused(['load', '--disposable'], 'manytables', new RegExp(`refusing to write to database "manytables".*tables rule: it has ${maxTables + 1} user tables`));
    const audit = await runCli(['audit', '--database-url', url('bigshop'), '--app-role', 'shop_app', '--out', join(work, 'audit-bigshop'), '-q'], { DATABASE_URL: '' });
    expect(audit.code, audit.stdout + audit.stderr).toBe(1);
    expect(audit.stdout).toMatch(/rls-disabled: table public\.orders/);
  });

  it('lets every rule be overridden, and --scratch ignores the size of the database it never touches', async () => {
    const attempt = async (database: string, options: { disposable?: boolean; scratch?: boolean; notProduction?: boolean }) => {
      const db = await urlBackend({ url: url(database), ...options }).start();
      await db.stop();
      return db.summary;
    };
    for (const database of ['app_production', 'bigshop', 'manytables']) {
      const error = await attempt(database, { disposable: true }).catch((e: unknown) => e);
      expect(error, database).toBeInstanceOf(HarnessError);
      expect((error as HarnessError).code).toBe('unsafe-target');
      expect(await attempt(database, { disposable: true, notProduction: true })).toMatchObject({ database, writable: true });
    }
    await expect(attempt('live', { scratch: true })).rejects.toThrow(/name rule/);
    expect(await attempt('live', { scratch: true, notProduction: true })).toMatchObject({ database: expect.stringMatching(/^tenantguard_scratch_/), writable: true });
    expect(await attempt('bigshop', { scratch: true })).toMatchObject({ writable: true });
    expect((await databases()).filter((d) => d.startsWith('tenantguard_scratch_'))).toEqual([]);
  });
});
