import { join } from 'node:path';
import { buildAuditContext } from '../src/audit/context.ts';
import { auditRules } from '../src/audit/registry.ts';
import { runAudit } from '../src/audit/run-audit.ts';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import { applySchema } from '../src/db/apply-schema.ts';
import { embeddedBackend } from '../src/db/backends/embedded.ts';
import { withClient } from '../src/db/connect.ts';
import { packageRoot } from '../src/pipeline/tool-info.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { fmt, median } from './stats.ts';

const runs = 20;

/** The audit of the reference scenario, after the snapshot (goal: under 1 s), and the snapshot itself. */
export async function benchAudit(log: (text: string) => void): Promise<string> {
  const scenario = await loadScenario(join(packageRoot, 'scenarios', 'reference.ts'));
  const db = await embeddedBackend().start();
  try {
    await applySchema(db.adminUrl, scenario.schema);
    const snapshots: number[] = [];
    let snapshot;
    for (let i = 0; i < 5; i++) {
      const began = performance.now();
      snapshot = await withClient(db.adminUrl, (c) => introspect(c));
      snapshots.push(performance.now() - began);
    }
    const { tenancy } = inferTenancy(snapshot!, scenario.tenancy);
    const audits: number[] = [];
    let findings = 0;
    for (let i = 0; i < runs; i++) {
      const began = performance.now();
      const results = runAudit(buildAuditContext(snapshot!, tenancy));
      audits.push(performance.now() - began);
      findings = results.reduce((n, r) => n + r.findings.length, 0);
    }
    log(`  snapshot ${fmt(median(snapshots), 1)} ms, audit ${fmt(median(audits), 2)} ms`);
    return [
      '## Audit',
      '',
      `Reference scenario (${snapshot!.relations.length} relations, ${snapshot!.relations.reduce((n, r) => n + r.policies.length, 0)} policies), ${auditRules.length} rules, embedded PostgreSQL ${db.summary.serverVersion}.`,
      '',
      '| step | median ms | runs |',
      '|---|---:|---:|',
      `| catalog snapshot (\`introspect\`, one read-only transaction) | ${fmt(median(snapshots), 1)} | 5 |`,
      `| audit after the snapshot (context + every rule) | ${fmt(median(audits), 2)} | ${runs} |`,
      '',
      `Goal: the audit after the snapshot under 1,000 ms — **${fmt(median(audits), 2)} ms** (${findings} finding(s), all at most info, on the secure reference).`,
    ].join('\n');
  } finally {
    await db.stop();
  }
}
