import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditContext } from '../src/audit/context.ts';
import { auditRules } from '../src/audit/registry.ts';
import { runAudit } from '../src/audit/run-audit.ts';
import { embeddedBackend } from '../src/db/backends/embedded.ts';
import type { StartedDatabase } from '../src/db/database.ts';
import { applyFlawFixture } from './helpers/audit.ts';
import { startTestServer } from './helpers/database.ts';
import { hasPg15, pg15BinDir } from './helpers/pg15.ts';

/**
 * Every rule's fixtures on two major versions: PostgreSQL 18 (embedded) and Debian's 15. The
 * catalogs differ (membership options, MAINTAIN, not-null constraints, view deparsing); the
 * findings must not.
 */
describe.runIf(hasPg15)('audit rules agree on PostgreSQL 15 and 18', () => {
  let pg18: StartedDatabase;
  let pg15: StartedDatabase;
  beforeAll(async () => {
    [pg18, pg15] = await Promise.all([startTestServer(), embeddedBackend({ binDir: pg15BinDir }).start()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([pg18?.stop(), pg15?.stop()]);
  });

  async function findings(server: StartedDatabase, id: string, variant: 'broken' | 'fixed'): Promise<string[]> {
    const fixture = await applyFlawFixture(server, id, variant);
    const rule = auditRules.find((r) => r.meta.id === id)!;
    const [result] = runAudit(buildAuditContext(fixture.snapshot, fixture.tenancy), { rules: [rule] });
    expect(result!.verdict, result!.error).not.toBe('inconclusive');
    return result!.findings
      .filter((f) => !/\bMAINTAIN\b/.test(f.message)) // a PG 17+ privilege: only the newer server can grant it
      .map((f) => `${f.severity} ${JSON.stringify(f.subject)}`.replaceAll(`_${fixture.suffix}`, ''))
      .sort();
  }

  it.each(auditRules.filter((r) => r.meta.id !== 'server-version-rls-cve').map((r) => r.meta.id))('%s', async (id) => {
    const [broken18, broken15, fixed15] = await Promise.all([findings(pg18, id, 'broken'), findings(pg15, id, 'broken'), findings(pg15, id, 'fixed')]);
    expect(broken15).toEqual(broken18);
    expect(broken15.length).toBeGreaterThan(0);
    expect(fixed15).toEqual([]);
  });
});
