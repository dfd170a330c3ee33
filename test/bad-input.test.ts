import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, type CliResult } from './helpers/cli.ts';
import { processesMentioning } from './helpers/processes.ts';

/**
 * Inputs that cannot work, through the CLI on the embedded backend: each must end with a
 * message naming its cause, exit 3 (the scenario is wrong, not the machine), a report marked
 * incomplete, and no Postgres left behind. (cli-run.test.ts covers a SQL error the server
 * places in a line and column; here is one it does not place.)
 */

const work = mkdtempSync(join(tmpdir(), 'tenantguard-bad-input-'));
chmodSync(work, 0o755); // the unprivileged postgres user must reach TMPDIRs made inside
afterAll(() => rmSync(work, { recursive: true, force: true }));
const referenceSchema = join(repoRoot, 'fixtures/reference/schema.sql');

interface Outcome extends CliResult {
  report: Record<string, any> | null;
  output: string;
}

/** Runs `tenantguard run <scenario>` with its own TMPDIR, and checks nothing was left running there. */
async function run(name: string, scenario: object, extra: string[] = []): Promise<Outcome> {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  const tmp = join(work, `tmp-${name}`);
  mkdirSync(tmp, { mode: 0o755 });
  const out = join(work, `out-${name}`);
  const result = await runCli(['run', file, '--tenants', '2', '--rows', '2', '--runs', '50', '--no-load', '--out', out, ...extra], { TMPDIR: tmp });
  expect(processesMentioning(tmp)).toEqual([]);
  expect(readdirSync(tmp).filter((entry) => entry.startsWith('tenantguard-'))).toEqual([]);
  let report: Record<string, any> | null = null;
  try {
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Record<string, any>;
  } catch {
    report = null;
  }
  const output = result.stdout + result.stderr;
  expect(output).not.toMatch(/\n\s+at /); // no stack trace
  return { ...result, report, output };
}

/** An incomplete report whose error is `code`, and a phase list that shows nothing as passed by default. */
function expectIncomplete(report: Record<string, any> | null, code: string): void {
  expect(report).not.toBeNull();
  expect(report!.complete).toBe(false);
  expect(report!.verdict).not.toBe('pass');
  expect(report!.error.code).toBe(code);
}

describe('bad input through `tenantguard run` (embedded Postgres)', () => {
  it('a schema statement the server cannot place: names the file and the line of the statement, exit 3', async () => {
    const schema = join(work, 'twice.sql');
    writeFileSync(schema, '-- tenants\ncreate table tenants (id uuid primary key);\n\ncreate table notes (id uuid primary key, tenant_id uuid);\ncreate table tenants (id uuid primary key);\n');
    const r = await run('twice', { schema: 'twice.sql' });
    expect(r.output).toMatch(/twice\.sql:5:1: relation "tenants" already exists/);
    expect(r.code).toBe(3);
    expectIncomplete(r.report, 'schema-failed');
    expect(r.report!.phases.map((p: { phase: string; status: string }) => `${p.phase} ${p.status}`)).toEqual(['audit not-run', 'attack not-run', 'http not-run', 'load not-run']);
  });

  it('a schema file that does not exist: names the field and the file before anything starts, exit 3', async () => {
    writeFileSync(join(work, '0001.sql'), 'create table tenants (id uuid primary key);\n');
    const r = await run('missing', { schema: ['0001.sql', 'migrations/0002.sql'] });
    expect(r.stderr).toMatch(/schema\[1\]: file not found: migrations\/0002\.sql/);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/▸ start/);
  });

  it('an application role with the wrong password: names the role and the scenario field, never the password, exit 3', async () => {
    const password = 'Wr0ng-passw0rd-7f3a';
    const r = await run('wrong-password', { schema: referenceSchema, tenancy: { appRole: { name: 'tenantguard_app', password, login: 'password' } } });
    expect(r.output).toMatch(/cannot connect as the application role tenantguard_app: password authentication failed/);
    expect(r.output).toMatch(/tenancy\.appRole/);
    expect(r.code).toBe(3);
    expectIncomplete(r.report, 'scenario-invalid');
    expect(r.report!.phases.find((p: { phase: string }) => p.phase === 'attack')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/tenantguard_app/) });
    expect(r.output + JSON.stringify(r.report)).not.toContain(password);
  });

  it('an application role without LOGIN told to log in: says so and points at login: "set-role", exit 3', async () => {
    const extra = join(work, 'nologin.sql');
    writeFileSync(extra, 'create role tg_nologin nologin;\ngrant usage on schema public to tg_nologin;\ngrant select on all tables in schema public to tg_nologin;\n');
    const r = await run('nologin', { schema: [referenceSchema, 'nologin.sql'], tenancy: { appRole: { name: 'tg_nologin', password: 'irrelevant-pw', login: 'password' } } });
    // Postgres itself answers "password authentication failed" here; the message says why.
    expect(r.output).toMatch(/cannot connect as the application role tg_nologin: the role has NOLOGIN/);
    expect(r.output).toMatch(/set-role/);
    expect(r.code).toBe(3);
    expectIncomplete(r.report, 'scenario-invalid');
  });

  it('a tenancy that matches no table: names the column and the field to set, exit 3', async () => {
    const r = await run('no-table', { schema: referenceSchema, tenancy: { tenantColumns: ['shop_id'] } });
    expect(r.output).toMatch(/no table has a tenant column named shop_id/);
    expect(r.output).toMatch(/tenancy\.tenantColumns/);
    expect(r.code).toBe(3);
    expectIncomplete(r.report, 'scenario-invalid');
    expect(r.report!.phases.every((p: { status: string }) => p.status !== 'ran')).toBe(true);
  });
});
