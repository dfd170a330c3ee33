import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { openAttackEnv } from '../src/attacks/env.ts';
import type { AttackEnv, Probe } from '../src/attacks/probe.ts';
import { attackProbes } from '../src/attacks/registry.ts';
import { runAttacks } from '../src/attacks/run-attacks.ts';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import type { Attempt } from '../src/db/app-session.ts';
import { applySchema } from '../src/db/apply-schema.ts';
import { embeddedBackend } from '../src/db/backends/embedded.ts';
import { withClient, withCredentials } from '../src/db/connect.ts';
import { packageRoot } from '../src/pipeline/tool-info.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { seedTenants } from '../src/seed/seed-tenants.ts';
import { fmt } from './stats.ts';

const connections = 4;
const runs = 20_000;
const pgbenchSeconds = 10;
const scripts = 64;

/** The attempts a probe would send, captured without a database (for pgbench scripts). */
async function captureAttempts(env: AttackEnv, probe: Probe, count: number): Promise<Attempt[]> {
  const captured: Attempt[] = [];
  const recording: AttackEnv = {
    ...env,
    sessions: { ...env.sessions, run: async (attempt) => (captured.push(attempt), { results: [], verify: [], notices: [] }) },
  };
  const arbitrary = probe.arbitrary(recording)!;
  for (const c of fc.sample(arbitrary, { numRuns: count, seed: 11 })) await probe.execute(c, recording);
  return captured;
}

/**
 * Attack throughput next to pgbench running the same statements: the read-by-key probe on the
 * reference, 4 connections, simple protocol, one round trip per attack (`BEGIN \; context \;
 * statement \; ROLLBACK`), as the application role. Ours includes generation and the oracle.
 */
export async function benchAttacks(log: (text: string) => void): Promise<string> {
  const scenario = await loadScenario(join(packageRoot, 'scenarios', 'reference.ts'));
  const db = await embeddedBackend().start();
  const dir = mkdtempSync(join(tmpdir(), 'tenantguard-bench-attacks-'));
  try {
    await applySchema(db.adminUrl, scenario.schema);
    const snapshot = await withClient(db.adminUrl, (c) => introspect(c));
    const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
    const manifest = await seedTenants(db.adminUrl, snapshot, tenancy, { tenants: 10, rowsPerTable: 100, seed: 3 });
    const env = await openAttackEnv(db.adminUrl, snapshot, tenancy, manifest, connections);
    const probe = attackProbes.find((p) => p.meta.id === 'read-by-key')!;
    let ours: number;
    let attempts: Attempt[];
    try {
      const began = performance.now();
      const [result] = await runAttacks(env, { probes: [probe], runSeed: 5, runs, shards: connections * 2 });
      const seconds = (performance.now() - began) / 1000;
      ours = (result!.stats?.['runs'] ?? 0) / seconds;
      log(`  tenantguard read-by-key: ${fmt(ours)} attacks/s`);
      attempts = await captureAttempts(env, probe, scripts);
      for (const [i, attempt] of attempts.entries()) {
        const sql = ['BEGIN', env.sessions.contextSql(attempt.context!), ...attempt.statements, 'ROLLBACK'].join(' \\;\n');
        writeFileSync(join(dir, `${i}.sql`), `${sql}\n`);
      }
    } finally {
      await env.close();
    }
    const login = tenancy.appRole.login;
    const appUrl = login.method === 'password' ? withCredentials(db.adminUrl, tenancy.appRole.name, login.password) : db.adminUrl;
    const output = execFileSync(
      'pgbench',
      ['-n', '-M', 'simple', '-c', String(connections), '-j', '2', '-T', String(pgbenchSeconds), ...attempts.flatMap((_, i) => ['-f', join(dir, `${i}.sql`)]), appUrl],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1] ?? 'NaN');
    log(`  pgbench same statements: ${fmt(tps)} tps`);
    const ratio = ours / tps;
    return [
      '## Attack throughput',
      '',
      `Probe \`read-by-key\` on the reference (10 tenants × 100 rows per table), ${connections} connections, simple protocol, one round trip per attack, as the application role, embedded PostgreSQL ${db.summary.serverVersion}.`,
      `tenantguard: ${fmt(runs)} generated attacks including fast-check generation, the canary oracle and result handling. pgbench: ${scripts} of the same attack scripts (\`BEGIN \\; set_config \\; SELECT \\; ROLLBACK\`), chosen at random, for ${pgbenchSeconds} s.`,
      '',
      '| driver | attacks/s |',
      '|---|---:|',
      `| tenantguard (read-by-key) | ${fmt(ours)} |`,
      `| pgbench, same statements | ${fmt(tps)} |`,
      '',
      `**Ratio: ${ratio.toFixed(2)}** of pgbench (aim ≥ 0.5, never below 0.3).`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.stop();
  }
}
