import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import { CanaryCodec } from '../core/canary.ts';
import { HarnessError, messageOf, throwIfAborted } from '../core/errors.ts';
import { ignoreEvents, type OnEvent } from '../core/events.ts';
import type { SeedManifest, SeedProblem } from '../core/manifest.ts';
import { deriveSeed } from '../core/seed-random.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { connectClient, pgErrorFields } from '../db/connect.ts';
import { quoteQualified } from '../db/quote.ts';
import { classifyTables } from './classify.ts';
import { readExistingRows } from './existing-rows.ts';
import { generateTable, type TableData } from './generate.ts';
import { advanceSequences, loadTable } from './load-table.ts';
import { buildManifest } from './manifest.ts';
import { planAll, rowsFor } from './plan-all.ts';
import { makePools } from './pools.ts';
import { makeTenantIds } from './tenant-ids.ts';

/** Options of {@link seedTenants}. */
export interface SeedOptions {
  /** Number of tenants. */
  tenants: number;
  /** Rows per tenant per table, or per table (`schema.table` or `table`, `*` as the fallback). */
  rowsPerTable: number | Record<string, number>;
  /** The run seed: same seed, same schema → same rows and manifest. */
  seed: number;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

/**
 * Seeds N tenants into every table of the snapshot, parents first, and returns the ground
 * truth (DESIGN §4): who owns each row, and where the canaries are.
 *
 * One transaction for the whole seed, one savepoint per table: an interrupted or failed seed
 * leaves the database as it was (no half-seeded tables for the attacks to trip over), and a
 * table the server refuses is rolled back alone and reported, with its dependants, while the
 * rest goes on. One connection: COPY is bound by the server's per-row work (indexes, RLS-free
 * superuser inserts, FK triggers), and one stream already keeps a backend busy while the
 * next chunk is generated; see the report for the measurements.
 */
export async function seedTenants(adminUrl: string, snapshot: CatalogSnapshot, tenancy: Tenancy, options: SeedOptions): Promise<SeedManifest> {
  const began = performance.now();
  const onEvent = options.onEvent ?? ignoreEvents;
  const signal = options.signal;
  throwIfAborted(signal);
  if (!Number.isInteger(options.tenants) || options.tenants < 1) {
    throw new HarnessError('usage', `seeding needs at least one tenant (got ${options.tenants})`);
  }
  const codec = new CanaryCodec(options.seed, options.tenants);
  const pools = makePools(options.seed);
  const classification = classifyTables(snapshot, tenancy);
  const tenantIds = makeTenantIds(classification, codec, pools, options.tenants);
  const { plans, referencedSets, problems: planProblems } = planAll(snapshot, classification, pools, tenantIds.canaries);
  const problems: SeedProblem[] = [...classification.problems, ...planProblems];
  const counters = new Array<number>(options.tenants).fill(1);
  const done = new Map<string, TableData>();
  const failed = new Set(problems.map((p) => p.table));
  const total = plans.reduce((sum, p) => sum + rowsFor(options.rowsPerTable, p.node.key) * (p.node.role === 'shared' && !p.node.sliced ? 1 : options.tenants), 0);
  let progress = 0;
  const client = await connectClient(adminUrl, { applicationName: 'tenantguard seed' });
  try {
    await client.query('begin');
    for (const plan of plans) {
      throwIfAborted(signal);
      const key = plan.node.key;
      if (failed.has(key)) continue;
      const missing = plan.fks.find((fk) => !fk.self && fk.slots.length > 0 && failed.has(fk.parent));
      if (missing) {
        failed.add(key);
        problems.push({ table: key, reason: `not seeded: it references ${missing.parent}, which could not be seeded` });
        continue;
      }
      if (plan.node.role === 'shared') {
        const existing = await readExistingRows(client, plan, referencedSets.get(key) ?? []);
        if (existing) {
          done.set(key, existing);
          onEvent({ type: 'info', message: `${key} already holds ${existing.rowCount} rows: used as they are, not seeded` });
          continue;
        }
      }
      const { data, chunks } = generateTable({
        plan,
        codec,
        counters,
        tenantIds: tenantIds.ids,
        rowsPerGroup: rowsFor(options.rowsPerTable, key),
        tableSeed: deriveSeed(options.seed, key),
        done,
        referencedSets: referencedSets.get(key) ?? [],
        usersColumn: tenancy.subject.kind === 'user' && key === `${tenancy.subject.membershipTable.schema}.${tenancy.subject.membershipTable.name}` ? tenancy.subject.userColumn : null,
        uuidTag: plainUuidTag(options.seed, key, codec.runTag),
      });
      try {
        await loadTable(client, plan, chunks, signal);
      } catch (error) {
        if (signal?.aborted) throw interrupted(signal);
        failed.add(key);
        problems.push({ table: key, reason: refusal(error) });
        continue;
      }
      done.set(key, data);
      for (const note of data.shortfalls) problems.push({ table: key, reason: note });
      await advanceSequences(client, plan);
      progress += data.rowCount;
      onEvent({ type: 'progress', phase: 'seed', done: progress, total, detail: key });
    }
    for (const view of classification.materializedViews) {
      throwIfAborted(signal);
      await client.query(`refresh materialized view ${quoteQualified(view)}`);
    }
    await client.query('commit');
    throwIfAborted(signal);
    // Statistics help the attacks' plans; failing to gather them (a foreign partition whose
    // server cannot be reached, say) must not fail a seed that has committed.
    await client.query('analyze').catch((error: unknown) => onEvent({ type: 'warning', message: `ANALYZE after seeding failed: ${messageOf(error)}` }));
  } catch (error) {
    await client.query('rollback').catch(() => {});
    if (signal?.aborted) throw interrupted(signal);
    if (error instanceof HarnessError) throw error;
    throw new HarnessError('seed-failed', `seeding failed: ${messageOf(error)}`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
  return buildManifest({
    seed: options.seed,
    codec,
    tenantIds: tenantIds.ids,
    plans,
    done,
    problems,
    durationMs: Math.round(performance.now() - began),
  });
}

function interrupted(signal: AbortSignal): HarnessError {
  return new HarnessError('interrupted', 'seeding was interrupted; nothing was committed', { cause: signal.reason });
}

/** The server's reason for refusing a table's rows, naming the constraint when it has one. */
function refusal(error: unknown): string {
  const fields = pgErrorFields(error) as ({ constraint?: string; detail?: string } & ReturnType<typeof pgErrorFields>) | undefined;
  const constraint = fields?.constraint ? ` (constraint ${fields.constraint})` : '';
  const detail = fields?.detail ? `: ${fields.detail}` : '';
  return `rows refused by the server${constraint}: ${messageOf(error)}${detail}`;
}

/** 8 hex digits per table, never the canary run tag, so shared UUIDs never decode as canaries. */
function plainUuidTag(seed: number, table: string, runTag: string): string {
  let tag = deriveSeed(seed, `uuid:${table}`).toString(16).padStart(8, '0');
  if (tag === runTag) tag = (parseInt(tag, 16) ^ 1).toString(16).padStart(8, '0');
  return tag;
}

