import type { SeededTable } from '../core/manifest.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../db/quote.ts';
import type { AttackEnv } from './probe.ts';

/**
 * Non-interference as evidence: a result the attacker gets must not change when only another
 * tenant's rows change. These statements remove one tenant's seeded rows as the admin, inside
 * the attack's transaction (rolled back), so a probe can call the same thing again and compare.
 * `session_replication_role = replica` skips foreign-key and user triggers, so the rows of one
 * tenant go without cascading into anyone else's (the admin must be a superuser; elsewhere
 * the SET fails and the probe only has its canaries).
 */

function deleteOne(table: SeededTable, victim: number, tenantId: string): string | null {
  const name = quoteQualified(table.table);
  if (table.ownership.kind === 'column') return `DELETE FROM ${name} WHERE ${quoteIdent(table.ownership.column)}::text = ${quoteLiteral(tenantId)}`;
  const keys = table.keys.get(victim) ?? [];
  if (keys.length === 0 || table.keyColumns.length === 0) return null;
  const columns = table.keyColumns.map((k) => `${quoteIdent(k)}::text`).join(', ');
  const tuples = keys.map((key) => `(${key.map((v) => quoteLiteral(v)).join(', ')})`).join(', ');
  return `DELETE FROM ${name} WHERE (${columns}) IN (${tuples})`;
}

/** Admin statements that remove every seeded row of tenant `victim` (run after `RESET ROLE`). */
export function eraseTenantSql(env: AttackEnv, victim: number): string[] {
  const tenantId = env.manifest.tenants[victim]?.id;
  if (tenantId === undefined) return [];
  const deletes = env.manifest.tables.filter((t) => t.ownership.kind !== 'shared').map((t) => deleteOne(t, victim, tenantId));
  return ['SET LOCAL session_replication_role = replica', ...deletes.filter((d): d is string => d !== null)];
}
