import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../src/db/local-server.ts';
import { runCli } from './helpers/cli.ts';
import { hasPg15, startPg15, superuserUrl } from './helpers/pg15.ts';

/**
 * Credentials never reach a report: a run against a server whose URL carries a password,
 * with findings (evidence, reproductions, replay commands) in every format, leaves the
 * password nowhere — not in any file of the run folder, not on stdout or stderr, not in a
 * format rendered again afterwards.
 */

const work = mkdtempSync(join(tmpdir(), 'tenantguard-credentials-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.runIf(hasPg15)('credentials in report formats', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startPg15();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('leaves the URL password out of every format, the logs and the console', async () => {
    const out = join(work, 'leaky');
    const url = superuserUrl(server);
    expect(url).toContain(encodeURIComponent(server.password));
    const result = await runCli(['run', 'fixtures/reports/leaky.scenario.json', '--database-url', url, '--scratch', '--runs', '50', '--format', 'json,markdown,html,junit,sarif', '--out', out], { DATABASE_URL: '' });
    expect(result.code).toBe(1); // findings: the leaky schema is leaky
    const files = readdirSync(out);
    expect(files).toEqual(expect.arrayContaining(['report.json', 'report.md', 'report.html', 'report.junit.xml', 'report.sarif']));
    const rendered = await runCli(['render', join(out, 'report.json'), '--format', 'markdown,html,junit,sarif', '--out', join(out, 'again')]);
    expect(rendered.code).toBe(0);
    const outputs = [
      ...files.filter((f) => f.includes('.')).map((f) => [f, readFileSync(join(out, f), 'utf8')] as const),
      ...readdirSync(join(out, 'again')).map((f) => [`again/${f}`, readFileSync(join(out, 'again', f), 'utf8')] as const),
      ['stdout', result.stdout + rendered.stdout] as const,
      ['stderr', result.stderr + rendered.stderr] as const,
    ];
    // The findings are there (so the formats had something to leak from)...
    expect(readFileSync(join(out, 'report.sarif'), 'utf8')).toContain('rls-disabled');
    for (const [name, text] of outputs) {
      for (const secret of [server.password, encodeURIComponent(server.password), url]) expect(text.includes(secret), `${name} contains a credential`).toBe(false);
    }
  }, 240_000);
});
