import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySchema } from '../src/db/apply-schema.ts';
import { withClient, withCredentials, withDatabase } from '../src/db/connect.ts';
import { startLocalServer, type LocalServer } from '../src/db/local-server.ts';
import { repoRoot, runCli } from './helpers/cli.ts';
import { hasPg15, pg15BinDir, superuserUrl } from './helpers/pg15.ts';
import { startPgProxy, type PgProxy } from './helpers/pg-proxy.ts';
import { logEntries, logLinePrefix, nonReads, sessionsFromPorts, statementOf } from './helpers/statement-log.ts';

/**
 * `tenantguard audit --database-url` against a database with real rows, on a PostgreSQL 15
 * that logs every connection and statement, reached through a proxy that records each
 * session's startup message. Proves, from the server's side: every session asked to be
 * read-only, every statement it sent parses as a read, no transaction id was taken (nothing
 * was written anywhere in the cluster), and every row, policy and grant is unchanged.
 */
describe.runIf(hasPg15)('the audit of a live database is read-only (PostgreSQL 15)', () => {
  let server: LocalServer;
  let proxy: PgProxy;
  const log: string[] = [];
  let shopUrl: string;
  const work = mkdtempSync(join(tmpdir(), 'tenantguard-audit-readonly-'));

  beforeAll(async () => {
    server = await startLocalServer({
      binDir: pg15BinDir,
      // No autovacuum: an autoanalyze takes a transaction id, and the proof counts them.
      settings: { log_statement: 'all', log_connections: 'on', log_disconnections: 'on', log_line_prefix: logLinePrefix, autovacuum: 'off' },
      onEvent: (event) => event.type === 'server-log' && log.push(event.line),
    });
    await withClient(superuserUrl(server), (c) => c.query('create database shop'));
    shopUrl = withDatabase(superuserUrl(server), 'shop');
    await applySchema(shopUrl, [join(repoRoot, 'fixtures/live/shop.sql')]);
    await withClient(shopUrl, async (c) => {
      // Real content: 50 shops, 2,000 customers, 3,000 orders (derived, not random).
      await c.query(`insert into shops select md5('shop' || i)::uuid, 'shop ' || i from generate_series(2, 50) i`);
      await c.query(`insert into customers select s.id, md5(s.id || 'c' || g)::uuid, 'c' || g || '@' || s.name || '.example' from shops s, generate_series(1, 40) g`);
      await c.query(`insert into orders select s.id, md5(s.id || 'o' || g)::uuid, g * 137 % 10000 from shops s, generate_series(1, 60) g`);
      // A role that can read every table and nothing else: no write privilege at all.
      await c.query("create role reader login password 'reader-secret'");
      await c.query('grant usage on schema public to reader; grant select on all tables in schema public to reader');
      await c.query('revoke temporary on database shop from public');
    });
    proxy = await startPgProxy(server.host, server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A checksum of every table's rows and of the catalog's policies, grants, roles and relations. */
  async function fingerprint(): Promise<{ rows: Record<string, string>; catalog: Record<string, string>; xmax: string }> {
    return withClient(
      shopUrl,
      async (c) => {
        const tables = await c.query<{ t: string }>("select format('%I.%I', schemaname, tablename) as t from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1");
        const rows: Record<string, string> = {};
        for (const { t } of tables.rows) {
          const r = await c.query<{ n: number; md5: string }>(`select count(*)::int as n, md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as md5 from ${t} x`);
          rows[t] = `${r.rows[0]!.n} ${r.rows[0]!.md5}`;
        }
        const catalogQueries: Record<string, string> = {
          policies: 'select polrelid::regclass::text, polname, polcmd, polpermissive, polroles::regrole[]::text, pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) from pg_policy',
          relations: "select c.oid::regclass::text, relkind, relowner::regrole::text, relacl::text, relrowsecurity, relforcerowsecurity from pg_class c join pg_namespace n on n.oid = relnamespace where nspname not like 'pg\\_%' and nspname <> 'information_schema'",
          columns: "select attrelid::regclass::text, attname, atttypid, attnotnull, attacl::text from pg_attribute a join pg_class c on c.oid = attrelid join pg_namespace n on n.oid = relnamespace where nspname = 'public' and attnum > 0",
          schemas: 'select nspname, nspowner::regrole::text, nspacl::text from pg_namespace',
          functions: "select p.oid::regprocedure::text, proacl::text, prosecdef, proconfig::text, md5(prosrc) from pg_proc p join pg_namespace n on n.oid = pronamespace where nspname not in ('pg_catalog', 'information_schema')",
          roles: 'select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolbypassrls, rolconfig::text from pg_roles',
          memberships: 'select roleid::regrole::text, member::regrole::text, admin_option from pg_auth_members',
          databases: 'select datname, datacl::text from pg_database',
          defaultAcls: 'select defaclrole::regrole::text, defaclnamespace, defaclobjtype, defaclacl::text from pg_default_acl',
          settings: 'select setdatabase, setrole, setconfig::text from pg_db_role_setting',
          triggers: 'select tgrelid::regclass::text, tgname, tgenabled from pg_trigger',
        };
        const catalog: Record<string, string> = {};
        for (const [name, sql] of Object.entries(catalogQueries)) {
          const r = await c.query<{ md5: string }>(`select md5(coalesce(string_agg(q::text, E'\\n' order by q::text), '')) as md5 from (${sql}) q`);
          catalog[name] = r.rows[0]!.md5;
        }
        // The next transaction id of the cluster: any write, anywhere, would have taken one.
        const xmax = (await c.query<{ x: string }>('select pg_snapshot_xmax(pg_current_snapshot())::text as x')).rows[0]!.x;
        return { rows, catalog, xmax };
      },
      { applicationName: 'test-fingerprint' },
    );
  }

  /** Runs the audit as `user` through the proxy and checks what the server saw of it. */
  async function auditAs(user: string, password: string): Promise<{ code: number | null; findings: string[]; output: string }> {
    const before = await fingerprint();
    log.length = 0;
    const firstSession = proxy.sessions.length;
    const url = withCredentials(withDatabase(superuserUrl(server), 'shop'), user, password).replace(`:${server.port}/`, `:${proxy.port}/`);
    const out = join(work, user);
    const result = await runCli(['audit', '--database-url', url, '--app-role', 'shop_app', '--out', out], { DATABASE_URL: '' });
    const sessions = proxy.sessions.slice(firstSession);

    // (a) Every session the audit opened asked the server to make every transaction read-only.
    expect(sessions.length).toBeGreaterThan(0);
    for (const session of sessions) {
      expect(session.params).toMatchObject({ user, database: 'shop' });
      expect(session.params['options'] ?? '').toMatch(/(^|\s)-c default_transaction_read_only=on(\s|$)/);
    }
    // Wait until the server has logged every one of those sessions' end.
    let entries = logEntries(log);
    let ids = sessionsFromPorts(entries, sessions.map((s) => s.upstreamPort));
    for (let waited = 0; waited < 100; waited++) {
      entries = logEntries(log);
      ids = sessionsFromPorts(entries, sessions.map((s) => s.upstreamPort));
      const ended = new Set(entries.filter((e) => /disconnection: session time/.test(e.text)).map((e) => e.session));
      if (ids.size === sessions.length && [...ids.values()].every((id) => ended.has(id))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(ids.size).toBe(sessions.length);
    // No other way in: every connection the server received during the audit came through the proxy.
    const received = entries.filter((e) => /connection received:/.test(e.text)).map((e) => e.session);
    expect(received.sort()).toEqual([...ids.values()].sort());

    // (b) Every statement the server logged for those sessions parses as a read.
    const auditSessions = new Set(ids.values());
    const ours = entries.filter((e) => auditSessions.has(e.session));
    const statements = ours.map(statementOf).filter((s): s is string => s !== null);
    expect(statements.length).toBeGreaterThan(5);
    for (const sql of statements) expect(await nonReads(sql), sql).toEqual([]);
    expect(ours.filter((e) => /^(ERROR|FATAL):/.test(e.text)).map((e) => e.text)).toEqual([]);

    // (c) Nothing changed: rows, catalog, and not one transaction id taken.
    expect(await fingerprint()).toEqual(before);

    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { results: { findings: { fingerprint: string; message: string }[] }[] };
    const findings = report.results.flatMap((r) => r.findings.map((f) => `${f.fingerprint} ${f.message}`)).sort();
    return { code: result.code, findings, output: result.stdout + result.stderr + JSON.stringify(report) };
  }

  it('as the superuser, who could write anything: read-only sessions, only reads, nothing changed; then the same findings as a SELECT-only role', async () => {
    const admin = await auditAs(server.superuser, server.password);
    expect(admin.code).toBe(1);
    expect(admin.output).toMatch(/rls-disabled/);
    expect(admin.output).toMatch(/policy-opens-without-context/);
    expect(admin.output).not.toContain(server.password);

    // The reader really has no write privilege anywhere.
    const privileges = await withClient(shopUrl, (c) =>
      c.query<{ what: string }>(`
        select 'table ' || c.oid::regclass || ' ' || p as what
          from pg_class c join pg_namespace n on n.oid = relnamespace,
               unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
         where nspname = 'public' and relkind in ('r', 'p') and has_table_privilege('reader', c.oid, p)
        union all select 'schema ' || nspname from pg_namespace where has_schema_privilege('reader', oid, 'CREATE')
        union all select 'database ' || p from unnest(array['CREATE', 'TEMPORARY']) p where has_database_privilege('reader', 'shop', p)
        union all select 'role attribute' from pg_roles where rolname = 'reader' and (rolsuper or rolcreatedb or rolcreaterole or rolbypassrls)`),
    );
    expect(privileges.rows.map((r) => r.what)).toEqual([]);
    const reader = await auditAs('reader', 'reader-secret');
    expect(reader.code).toBe(1);
    expect(reader.findings).toEqual(admin.findings);
    expect(reader.output).not.toContain('reader-secret');
  });
});
