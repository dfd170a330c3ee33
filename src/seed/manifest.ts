import type { CanaryCodec } from '../core/canary.ts';
import type { SeededTable, SeededTenant, SeedManifest, SeedProblem } from '../core/manifest.ts';
import { ownershipOf } from './classify.ts';
import type { TableData } from './generate.ts';
import type { TablePlan } from './plan.ts';

/** Inputs of {@link buildManifest}. */
export interface ManifestInput {
  seed: number;
  codec: CanaryCodec;
  tenantIds: string[];
  plans: TablePlan[];
  /** Data of the tables the server accepted. */
  done: Map<string, TableData>;
  problems: SeedProblem[];
  durationMs: number;
}

/**
 * The manifest of a generated seed: every accepted table with its owners' keys, canary and
 * plain columns; tenants with their ids and, for a membership tenancy, their users (the
 * user-column values of the membership table's rows of that tenant, which come from that
 * tenant's own slice of the users table).
 */
export function buildManifest(input: ManifestInput): SeedManifest {
  const users = new Map<number, Set<string>>();
  for (const data of input.done.values()) {
    for (const [tenant, set] of data.users) {
      const all = users.get(tenant) ?? new Set<string>();
      for (const u of set) all.add(u);
      users.set(tenant, all);
    }
  }
  const tenants: SeededTenant[] = input.tenantIds.map((id, index) => {
    const own = users.get(index);
    return own ? { index, id, users: [...own] } : { index, id };
  });
  const tables: SeededTable[] = [];
  let totalRows = 0;
  for (const plan of input.plans) {
    const data = input.done.get(plan.node.key);
    if (!data) continue;
    totalRows += data.rowCount;
    tables.push({
      table: { schema: plan.node.relation.schema, name: plan.node.relation.name },
      ownership: ownershipOf(plan.node),
      keyColumns: plan.keySlots.map((i) => plan.slots[i]!.column.name),
      keys: data.keys,
      // Shared rows carry no canaries, whatever their columns could hold.
      canaryColumns: plan.node.role === 'shared' ? [] : plan.slots.filter((s) => s.canary).map((s) => s.column.name),
      plainColumns: plan.plainColumns,
      rowCount: data.rowCount,
    });
  }
  return {
    runSeed: input.seed,
    runTag: input.codec.runTag,
    tenants,
    tables,
    problems: input.problems,
    totalRows,
    durationMs: input.durationMs,
  };
}
