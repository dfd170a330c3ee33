import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAuditContext } from '../src/audit/context.ts';
import { auditRules } from '../src/audit/registry.ts';
import { runAudit } from '../src/audit/run-audit.ts';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import { withClient } from '../src/db/connect.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { repoRoot } from './helpers/cli.ts';
import { databaseWithSchema, useTestServer } from './helpers/database.ts';

const server = useTestServer();

describe('the audit on the secure reference schema', () => {
  it('gives no finding above info from any rule (no false alarms on a correct schema)', async () => {
    const scenario = await loadScenario(join(repoRoot, 'scenarios/reference.ts'));
    const url = await databaseWithSchema(server(), { files: scenario.schema }, 'reference');
    const snapshot = await withClient(url, (client) => introspect(client));
    const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
    const results = runAudit(buildAuditContext(snapshot, tenancy));
    expect(results).toHaveLength(auditRules.length);
    expect(results.filter((r) => r.verdict === 'inconclusive').map((r) => [r.meta.id, r.error])).toEqual([]);
    const aboveInfo = results.flatMap((r) => r.findings).filter((f) => f.severity !== 'info');
    expect(aboveInfo.map((f) => `${f.checkId}: ${f.message}`)).toEqual([]);
  });
});
