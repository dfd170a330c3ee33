import { HarnessError } from '../core/errors.ts';
import type { SqlClient } from '../core/sql.ts';

/**
 * The production rule of the url backend, in two sentences: a database whose name contains
 * `prod`, `production` or `live` as a word (delimited by anything but a letter) is refused.
 * So is one whose user tables hold more than {@link maxRows} rows (the planner's estimate) or
 * that has more than {@link maxTables} user tables.
 *
 * Only the commands that write apply it (`run`, `attack`, `load`, `replay` with `--disposable`
 * or `--scratch`); `--not-production` overrides it. The read-only audit never applies it: it is
 * meant for production.
 */
export const productionNamePattern = /(?:^|[^a-z])(prod|production|live)(?:[^a-z]|$)/i;

/** More estimated rows than this in user tables looks like real data, not a test database. */
export const maxRows = 100_000;

/** More user tables than this looks like a real application's database. */
export const maxTables = 250;

/** The flag that overrides the rule. */
export const overrideFlag = '--not-production';

/** What the rule found: the name of the rule that matched and why, or null. */
export interface ProductionMatch {
  rule: 'name' | 'rows' | 'tables';
  reason: string;
}

/** The name rule alone: the database name says production. */
export function productionName(database: string): ProductionMatch | null {
  const match = productionNamePattern.exec(database);
  return match ? { rule: 'name', reason: `its name contains "${match[1]}"` } : null;
}

/**
 * The content rules, read cheaply and read-only: the planner's row estimate (`reltuples`, or
 * the statistics' live-row count when the table was never analysed) and the number of
 * tables, over every schema but the system ones.
 */
export async function productionContent(client: SqlClient): Promise<ProductionMatch | null> {
  const { rows } = await client.query<{ tables: number; rows: string }>(
    // Rows are counted in plain tables (partitions included); a partitioned table counts once.
    `select (count(*) filter (where not c.relispartition))::int as tables,
            coalesce(sum(greatest(c.reltuples, coalesce(s.n_live_tup, 0), 0)) filter (where c.relkind = 'r'), 0)::bigint::text as rows
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       left join pg_catalog.pg_stat_user_tables s on s.relid = c.oid
      where c.relkind in ('r', 'p')
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`,
  );
  const tables = rows[0]?.tables ?? 0;
  const estimate = Number(rows[0]?.rows ?? 0);
  if (estimate > maxRows) return { rule: 'rows', reason: `its user tables hold about ${estimate.toLocaleString('en-US')} rows (more than ${maxRows.toLocaleString('en-US')})` };
  if (tables > maxTables) return { rule: 'tables', reason: `it has ${tables} user tables (more than ${maxTables})` };
  return null;
}

/** The refusal: a usage error naming the rule that matched and the override. */
export function refuseProduction(database: string, host: string, port: number, match: ProductionMatch, scratch: boolean): HarnessError {
  const what = scratch ? 'create a scratch database beside' : 'write to';
  return new HarnessError('unsafe-target', `refusing to ${what} database "${database}" on ${host}:${port}: it looks like production (${match.rule} rule: ${match.reason})`, {
    hint: `If it is not production, pass ${overrideFlag} as well. \`tenantguard audit\` works read-only on any database.`,
  });
}
