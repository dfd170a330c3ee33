import { openAttackEnv } from '../attacks/env.ts';
import { attackProbes } from '../attacks/registry.ts';
import { replayProbe } from '../attacks/run-attacks.ts';
import { inferTenancy } from '../catalog/infer-tenancy.ts';
import { introspect } from '../catalog/introspect.ts';
import type { Finding } from '../core/check.ts';
import { HarnessError } from '../core/errors.ts';
import { ignoreEvents, type OnEvent } from '../core/events.ts';
import { httpProbes } from '../attacks/http/registry.ts';
import { runHttpPhase } from './http-phase.ts';
import { applySchema } from '../db/apply-schema.ts';
import { assertWritable } from '../db/backends/index.ts';
import { withClient } from '../db/connect.ts';
import type { DatabaseBackend } from '../db/database.ts';
import type { Scenario } from '../scenario/types.ts';
import { seedTenants } from '../seed/seed-tenants.ts';
import { relative } from 'node:path';
import { replayArgs } from './replay-args.ts';

/** What `tenantguard replay` needs: the probe, the run seed, and the shard and path of the case. */
export interface ReplayOptions {
  scenario: Scenario;
  backend: DatabaseBackend;
  probe: string;
  runSeed: number;
  /** The shard of a SQL attack's case; HTTP attacks have none. */
  shard?: number;
  path: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

/**
 * Repeats one attack finding exactly: the same schema and the same seed give the same data,
 * and the shard's seed with the recorded path gives the same minimal case. Returns the finding
 * when the leak reproduces, null when it no longer does (e.g. after a fix).
 */
export async function replayFinding(options: ReplayOptions): Promise<Finding | null> {
  const probe = attackProbes.find((p) => p.meta.id === options.probe);
  const http = httpProbes.some((p) => p.meta.id === options.probe);
  if (!probe && !http) {
    throw new HarnessError('usage', `no attack named ${options.probe}`, { hint: `Known attacks: ${[...attackProbes, ...httpProbes].map((p) => p.meta.id).join(', ')}.` });
  }
  if (probe && options.shard === undefined) throw new HarnessError('usage', `replaying ${options.probe} needs --shard (it is in the finding's replay command)`);
  if (http && !options.scenario.http?.enabled) {
    throw new HarnessError('usage', `${options.probe} attacks an HTTP API, and the scenario ${options.scenario.name} describes none`, { hint: 'Replay with the scenario of the run that found it (its http section starts the app).' });
  }
  const { scenario } = options;
  const db = await options.backend.start({ signal: options.signal, onEvent: options.onEvent });
  try {
    assertWritable(db, 'replay an attack');
    await applySchema(db.adminUrl, scenario.schema, { onEvent: options.onEvent, signal: options.signal });
    const snapshot = await withClient(db.adminUrl, (client) => introspect(client));
    const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
    const manifest = await seedTenants(db.adminUrl, snapshot, tenancy, {
      tenants: scenario.seed.tenants,
      rowsPerTable: scenario.seed.rowsPerTable,
      seed: options.runSeed,
      onEvent: options.onEvent,
      signal: options.signal,
    });
    if (!probe) {
      const results = await runHttpPhase({ scenario, adminUrl: db.adminUrl, tenancy, manifest, runSeed: options.runSeed, onEvent: options.onEvent ?? ignoreEvents, probe: options.probe, path: options.path, ...(options.signal ? { signal: options.signal } : {}) });
      return results.flatMap((r) => r.findings)[0] ?? null;
    }
    const env = await openAttackEnv(db.adminUrl, snapshot, tenancy, manifest);
    try {
      const file = scenario.file ? relative(process.cwd(), scenario.file) : null;
      return await replayProbe(env, probe, { probe: probe.meta.id, runSeed: options.runSeed, shard: options.shard!, path: options.path }, file, replayArgs(scenario));
    } finally {
      await env.close();
    }
  } finally {
    await db.stop();
  }
}
