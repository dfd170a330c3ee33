import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../src/db/local-server.ts';
import { repoRoot, startCli } from './helpers/cli.ts';
import { hasPg15, startPg15, superuserUrl } from './helpers/pg15.ts';

/**
 * Issue 8, safety: credentials never appear in any output of a whole run. `tenantguard run`
 * with every phase (audit, SQL attacks, HTTP attacks on the reference app, the short load
 * experiment) against an existing server whose URL carries a password, writing every report
 * format; then every file of the run folder, stdout, stderr and the process table sampled
 * during the run are searched for the URL password, the application role's password, the JWT
 * secret, and any bearer token signed with that secret. (report-credentials.test.ts covers the
 * formats' rendering of findings on the leaky scenario; this covers the logs and phases.)
 */

const work = mkdtempSync(join(tmpdir(), 'tenantguard-credentials-run-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Distinctive values, so a match can only be a leak (the shipped app password equals the role's name).
const appPassword = 'AppRole-pw-7Qx2Lm9Vd';
const jwtSecret = 'jwt-secret-Hs8Kp4Wn2Rt6Zy1';

/** Every file under `dir`, with its path relative to it. */
function filesUnder(dir: string, prefix = ''): [string, string][] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, `${prefix}${name}/`) : [[`${prefix}${name}`, readFileSync(path, 'utf8')] as [string, string]];
  });
}

/** JWTs in `text` whose HS256 signature verifies with `secret`: tokens a reader could replay. */
function liveTokens(text: string, secret: string): string[] {
  return [...text.matchAll(/eyJ[\w-]+\.eyJ[\w-]+\.([\w-]+)/g)].filter((m) => {
    const [header, payload] = m[0].split('.');
    return createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url') === m[1];
  }).map((m) => m[0]);
}

describe.runIf(hasPg15)('credentials in every output of a whole run', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startPg15();
    // The reference schema creates tenantguard_app only if it is missing (roles are cluster-wide):
    // made here first, it logs in with a password no file of the repository holds.
    const client = new pg.Client({ connectionString: superuserUrl(server) });
    await client.connect();
    await client.query(`create role tenantguard_app login password '${appPassword}' nosuperuser nocreatedb nocreaterole nobypassrls`);
    await client.end();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('leaves the URL password, the app password, the JWT secret and live tokens out of every file, stream and command line', async () => {
    const reference = JSON.parse(readFileSync(join(repoRoot, 'scenarios', 'reference.json'), 'utf8'));
    const scenario = join(work, 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ ...reference, schema: [join(repoRoot, 'fixtures/reference/schema.sql')], tenancy: { ...reference.tenancy, appRole: { ...reference.tenancy.appRole, password: appPassword } } }));
    const url = superuserUrl(server);
    const secrets = [server.password, encodeURIComponent(server.password), url, appPassword, jwtSecret];
    const out = join(work, 'run');
    // The URL comes from the environment, as the README advises: argv is masked (below), but only once node runs.
    const cli = startCli(['run', scenario, '--backend', 'url', '--scratch', '--tenants', '3', '--rows', '5', '--runs', '100', '--seed', '9', '--format', 'json,markdown,html,junit,sarif', '--out', out], {
      DATABASE_URL: url,
      TENANTGUARD_JWT_SECRET: jwtSecret,
    });
    // Command lines are readable by every user of the machine: sample them while the run works.
    const commandLines = new Set<string>();
    const sampler = setInterval(() => {
      for (const line of execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n')) if (secrets.some((s) => line.includes(s))) commandLines.add(line);
    }, 250);
    const result = await cli.done.finally(() => clearInterval(sampler));

    // The load verdict depends on this machine's load (inconclusive when noisy); what matters is that the run finished.
    expect([0, 2], result.stderr).toContain(result.code);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.complete).toBe(true);
    // Every phase ran, so every phase had the chance to leak.
    expect(report.phases.map((p: { phase: string; status: string }) => `${p.phase} ${p.status}`)).toEqual(['audit ran', 'attack ran', 'http ran', 'load ran']);
    const outputs = [...filesUnder(out), ['stdout', result.stdout], ['stderr', result.stderr]] as const;
    expect(outputs.map(([name]) => name)).toEqual(expect.arrayContaining(['report.json', 'report.md', 'report.html', 'report.junit.xml', 'report.sarif', 'app.log']));
    // The app log holds the requests, so the search below had tokens' traffic to look through.
    expect(readFileSync(join(out, 'app.log'), 'utf8')).toMatch(/"msg":"request"/);
    // The token search is not vacuous: a token signed with the secret is found, one signed otherwise is not.
    const sign = (secret: string) => {
      const unsigned = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"tid":"t"}').toString('base64url')}`;
      return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    };
    expect(liveTokens(`Bearer ${sign(jwtSecret)} and ${sign('another')}`, jwtSecret)).toEqual([sign(jwtSecret)]);
    for (const [name, text] of outputs) {
      for (const secret of secrets) expect(text.includes(secret), `${name} contains a credential`).toBe(false);
      expect(liveTokens(text, jwtSecret), `${name} contains a token signed with the run's secret`).toEqual([]);
    }
    expect([...commandLines]).toEqual([]);
  }, 300_000);
});

describe('credentials on the command line', () => {
  it('masks a --database-url password in the process title that ps shows every user', async () => {
    const password = 'Argv-pw-3Jd8Qs';
    // TEST-NET-1 never answers: the CLI waits for its connect timeout, long enough to look at ps.
    const cli = startCli(['run', '--database-url', `postgres://someone:${password}@192.0.2.1:5432/app`, '--scratch', '--out', join(work, 'argv')], { DATABASE_URL: '' });
    await cli.waitForStderr(/backend url/);
    const mine = execFileSync('ps', ['-o', 'args=', '-p', String(cli.child.pid)], { encoding: 'utf8' });
    cli.child.kill('SIGINT');
    await cli.done;
    expect(mine).toContain('postgres://someone:***@192.0.2.1:5432/app');
    expect(mine).not.toContain(password);
  }, 60_000);
});
