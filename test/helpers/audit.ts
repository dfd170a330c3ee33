import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAuditContext } from '../../src/audit/context.ts';
import type { AuditRule } from '../../src/audit/rule.ts';
import { runAudit } from '../../src/audit/run-audit.ts';
import { introspect } from '../../src/catalog/introspect.ts';
import type { CatalogSnapshot } from '../../src/catalog/snapshot.ts';
import type { Finding } from '../../src/core/check.ts';
import type { Tenancy } from '../../src/core/tenancy.ts';
import { applySchema } from '../../src/db/apply-schema.ts';
import { withClient } from '../../src/db/connect.ts';
import type { StartedDatabase } from '../../src/db/database.ts';
import { repoRoot } from './cli.ts';
import { createTestDatabase } from './database.ts';

/** The tenancy every flaw fixture is written for; `appRole` is the renamed tg_app. */
export function fixtureTenancy(appRole: string, overrides: Partial<Tenancy> = {}): Tenancy {
  return {
    tenantColumns: ['tenant_id'],
    tenantTable: { schema: 'public', name: 'tenants' },
    appRole: { name: appRole, login: { method: 'set-role' } },
    context: { kind: 'setting', setting: 'app.tenant_id' },
    subject: { kind: 'tenant' },
    inferred: [],
    ...overrides,
  };
}

/** A flaw fixture applied to a fresh database. */
export interface AppliedFixture {
  url: string;
  snapshot: CatalogSnapshot;
  tenancy: Tenancy;
  /** The suffix appended to every tg_ role of this database. */
  suffix: string;
}

/**
 * Applies `fixtures/flaws/_base.sql` and `fixtures/flaws/<rule>/<variant>.sql` to a new
 * database, with every `tg_<name>` role renamed to `tg_<name>_<suffix>` so that cluster-wide
 * roles and memberships of one fixture never reach another database.
 */
export async function applyFlawFixture(server: StartedDatabase, rule: string, variant: 'broken' | 'fixed', overrides: Partial<Tenancy> = {}): Promise<AppliedFixture> {
  const suffix = randomBytes(3).toString('hex');
  const rename = (sql: string) => sql.replace(/\btg_([a-z0-9_]+)\b/g, (_, name: string) => `tg_${name}_${suffix}`);
  const dir = await mkdtemp(join(tmpdir(), 'tenantguard-flaw-'));
  try {
    const files: string[] = [];
    for (const [i, source] of [join(repoRoot, 'fixtures/flaws/_base.sql'), join(repoRoot, 'fixtures/flaws', rule, `${variant}.sql`)].entries()) {
      const file = join(dir, `${i}-${variant}.sql`);
      await writeFile(file, rename(await readFile(source, 'utf8')));
      files.push(file);
    }
    const url = await createTestDatabase(server, rule.replace(/-/g, '_').slice(0, 40));
    await applySchema(url, files);
    const snapshot = await withClient(url, (client) => introspect(client));
    return { url, snapshot, tenancy: fixtureTenancy(`tg_app_${suffix}`, overrides), suffix };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The findings of one rule on a flaw fixture (roles named back without their suffix, for stable assertions). */
export async function ruleFindings(server: StartedDatabase, rule: string, variant: 'broken' | 'fixed', overrides: Partial<Tenancy> = {}): Promise<Finding[]> {
  const fixture = await applyFlawFixture(server, rule, variant, overrides);
  // Loaded by file, not through the registry, so a rule is testable before its registry line exists.
  const check = ((await import(`../../src/audit/rules/${rule}.ts`)) as { default: AuditRule }).default;
  const [result] = runAudit(buildAuditContext(fixture.snapshot, fixture.tenancy), { rules: [check] });
  if (result!.verdict === 'inconclusive') throw new Error(`rule ${rule} was inconclusive: ${result!.error}`);
  const strip = (text: string) => text.replaceAll(`_${fixture.suffix}`, '');
  return JSON.parse(strip(JSON.stringify(result!.findings))) as Finding[];
}
