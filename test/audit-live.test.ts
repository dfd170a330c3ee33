import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { applySchema } from '../src/db/apply-schema.ts';
import { connectClient, withClient, withDatabase } from '../src/db/connect.ts';
import { startLocalServer, type LocalServer } from '../src/db/local-server.ts';
import { repoRoot, runCli } from './helpers/cli.ts';
import { hasPg15, pg15BinDir, superuserUrl } from './helpers/pg15.ts';

/**
 * `tenantguard audit --database-url` against an existing PostgreSQL 15 that the test starts,
 * with every statement logged, so the test can prove the audit only reads.
 */
describe.runIf(hasPg15)('tenantguard audit of an existing database (PostgreSQL 15)', () => {
  let server: LocalServer;
  const log: string[] = [];
  let shopUrl: string;
  let auditorUrl: string;

  beforeAll(async () => {
    server = await startLocalServer({
      binDir: pg15BinDir,
      settings: { log_statement: 'all', log_line_prefix: '[%a] ' },
      onEvent: (event) => {
        if (event.type === 'server-log') log.push(event.line);
      },
    });
    await withClient(superuserUrl(server), async (c) => {
      await c.query('create database shop');
      // An auditor that can log in and read the catalog, and nothing else.
      await c.query("create role auditor login password 'auditor-secret'");
    });
    shopUrl = withDatabase(superuserUrl(server), 'shop');
    await applySchema(shopUrl, [join(repoRoot, 'fixtures/live/shop.sql')]);
    auditorUrl = shopUrl.replace(/\/\/[^@]+@/, '//auditor:auditor-secret@');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('finds the flaws with a role that can only read the catalog, sends nothing but reads, and never prints the password', async () => {
    const before = await withClient(shopUrl, (c) => c.query("select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace"));
    log.length = 0;
    const outDir = mkdtempSync(join(tmpdir(), 'tenantguard-audit-live-'));
    onTestFinished(() => rmSync(outDir, { recursive: true, force: true }));
    const out = join(outDir, 'report');
    const result = await runCli(['audit', '--database-url', auditorUrl, '--app-role', 'shop_app', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\[critical\] rls-disabled: table public\.orders/);
    expect(result.stdout).toMatch(/\[critical\] policy-opens-without-context: policy customers_read on public\.customers/);
    expect(result.stdout).toMatch(/inferred tenant column: shop_id \(compared to current_setting/);
    expect(result.stdout).toMatch(/inferred context setting: shop\.id/);
    expect(result.stdout + result.stderr).not.toContain('auditor-secret');

    // Every statement our sessions sent was a read (or transaction control).
    // A logged statement spans several lines; continuation lines carry no `[app]` prefix.
    const entries: string[] = [];
    for (const line of log) {
      if (line.startsWith('[') || entries.length === 0) entries.push(line);
      else entries[entries.length - 1] += `\n${line}`;
    }
    const ours = entries.filter((entry) => entry.startsWith('[tenantguard]') && /statement: /.test(entry));
    expect(ours.length).toBeGreaterThan(3);
    for (const line of ours) {
      const statement = line.replace(/^[^\n]*?statement: /, '').trim().toLowerCase();
      expect(statement, line).toMatch(/^(select|with|begin|rollback|commit|show|set transaction)\b/);
    }
    const after = await withClient(shopUrl, (c) => c.query("select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace"));
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('opens read-only sessions: a write through one fails in the server', async () => {
    const client = await connectClient(shopUrl, { readOnly: true });
    try {
      await expect(client.query('create table sneaky (x int)')).rejects.toMatchObject({ code: '25006' });
    } finally {
      await client.end();
    }
  });
});
