import type { StatementResult } from '../db/app-session.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../db/quote.ts';
import { endingOf, errorNote, type CellEvidence } from './access-matrix-cell.ts';
import { keyExpression, textArray, type MatrixTarget } from './access-matrix-targets.ts';
import type { AttackEnv } from './probe.ts';
import { columnsWith } from './write-state.ts';

/**
 * The select cell: one read of the whole relation as the acting tenant, and the same read by
 * the admin with the same tenant context, both boiled down in SQL to *whose* rows came back — by
 * the tenant column, by the seeded table's keys, and by the canaries in every column the app
 * may read. The admin's answer says which tenants have rows there at all, so a tenant that has
 * none is "not tested", not "blocked".
 */

/** Rows read per statement: every row of a seeded test database, a bounded scan of a large one. */
const scanLimit = 20_000;
/** Keys of one tenant looked for by key (a backstop for tables without canaries or tenant column). */
const keysPerTenant = 100;

/** One select statement per way of telling the owner of a row. */
interface Probes {
  statements: string[];
  /** Reads the owners (tenant indices) out of the statements' results. */
  owners(results: readonly StatementResult[]): Map<number, string>;
}

function ownerProbes(env: AttackEnv, target: MatrixTarget): Probes {
  const relation = target.surface.relation;
  const readable = columnsWith(env, relation, 'SELECT');
  const columns = relation.columns.filter((c) => readable.has(c.name));
  const statements: string[] = [];
  if (columns.length === 0) return { statements, owners: () => new Map() };
  // Only the columns the app may read: with column grants, `select *` would be refused.
  const from = `(select ${columns.map((c) => quoteIdent(c.name)).join(', ')} from ${quoteQualified(relation)} limit ${scanLimit}) r`;
  const readers: ((result: StatementResult | undefined, owners: Map<number, string>) => void)[] = [];
  const note = (owners: Map<number, string>, tenant: number, how: string) => {
    if (tenant >= 0 && !owners.has(tenant)) owners.set(tenant, how);
  };

  const tenantColumn = target.surface.tenantColumn;
  if (tenantColumn && readable.has(tenantColumn)) {
    const ids = new Map(env.manifest.tenants.map((t) => [t.id, t.index]));
    statements.push(`select distinct ${quoteIdent(tenantColumn)}::text as t from ${from} where ${quoteIdent(tenantColumn)}::text = any(${textArray([...ids.keys()])})`);
    readers.push((result, owners) => {
      for (const row of result?.rows ?? []) note(owners, ids.get(String(row['t'])) ?? -1, `by ${tenantColumn}`);
    });
  }

  const table = target.keyedBy;
  if (table && table.keyColumns.every((k) => readable.has(k))) {
    const owners = new Map<string, number>();
    for (const [tenant, keys] of table.keys) if (tenant >= 0) for (const key of keys.slice(0, keysPerTenant)) owners.set(key.join('|'), tenant);
    if (owners.size > 0) {
      statements.push(`select distinct ${keyExpression(table)} as k from ${from} where ${keyExpression(table)} = any(${textArray([...owners.keys()])})`);
      readers.push((result, found) => {
        for (const row of result?.rows ?? []) note(found, owners.get(String(row['k'])) ?? -1, 'by key');
      });
    }
  }

  // Every canary-shaped value (core/canary.ts), a few per tenant prefix; the codec decides.
  const text = `concat_ws(' ', ${columns.map((c) => `${quoteIdent(c.name)}::text`).join(', ')})`;
  const pattern = `(?:^|[^0-9a-z])(tg[0-9a-z]{9})(?![0-9a-z])|(${env.codec.runTag}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12})`;
  statements.push(
    `select left(c, case when c like 'tg%' then 5 else 13 end) as p, (array_agg(distinct c order by c))[1:3] as cs ` +
      `from (select coalesce(m.a[1], m.a[2]) as c from ${from}, regexp_matches(${text}, ${quoteLiteral(pattern)}, 'gi') as m(a)) x group by 1`,
  );
  readers.push((result, owners) => {
    for (const row of result?.rows ?? []) for (const hit of env.codec.scan(String(row['cs']))) note(owners, hit.tenantIndex, 'by canary');
  });
  return {
    statements,
    owners: (results) => {
      const owners = new Map<number, string>();
      readers.forEach((read, i) => read(results[i], owners));
      return owners;
    },
  };
}

/** `#1, #2 (by tenant_id), #3 (by canary) and 5 more`: the first few tenants, grouped by how they were told. */
function describeOwners(tenants: readonly number[], how: ReadonlyMap<number, string>): string {
  const groups = new Map<string, number[]>();
  for (const t of tenants.slice(0, 4)) groups.set(how.get(t)!, [...(groups.get(how.get(t)!) ?? []), t]);
  const text = [...groups].map(([by, list]) => `${list.map((t) => `#${t}`).join(', ')} (${by})`).join(', ');
  return tenants.length > 4 ? `${text} and ${tenants.length - 4} more` : text;
}

/** Reads the relation as `tenant` and tells whose rows it saw. */
export async function selectEvidence(env: AttackEnv, target: MatrixTarget, tenant: number): Promise<CellEvidence> {
  const evidence: CellEvidence = { privileged: true, attempts: [], untried: [] };
  const probes = ownerProbes(env, target);
  if (probes.statements.length === 0) {
    evidence.untried.push({ aim: 'own', reason: 'it has no column the app may read to tell whose rows they are' });
    return evidence;
  }
  // The read goes the way the app connects (its own login when it has one); the admin's read
  // is a separate attempt with the same context, for views whose owner is bound by policies.
  const context = env.contextFor(tenant);
  const outcome = await env.sessions.run({ context, statements: probes.statements });
  const ending = endingOf(outcome);
  if (ending !== 'ok') {
    const note = errorNote('select', outcome, env.codec);
    const result = ending === 'refused' ? 'refused' : 'error';
    evidence.attempts.push({ aim: 'own', result, note }, { aim: 'foreign', result, note });
    return evidence;
  }
  const admin = await env.sessions.run({ context, statements: [], verify: probes.statements });
  if (admin.error) throw new Error(`could not read ${target.name} as the admin: ${admin.error.message}`);
  const seen = probes.owners(outcome.results);
  const present = probes.owners(admin.verify);
  const foreign = [...seen.keys()].filter((t) => t !== tenant).sort((a, b) => a - b);
  if (present.has(tenant)) {
    evidence.attempts.push({ aim: 'own', result: seen.has(tenant) ? 'reached' : 'no-effect', note: seen.has(tenant) ? 'read its own rows' : 'read none of its own rows' });
  } else {
    evidence.untried.push({ aim: 'own', reason: `no row of tenant #${tenant} to find in it (by tenant column, key or canary)` });
  }
  // A view with its owner's rights may hide rows from the admin too (an owner bound by
  // row-level security): other tenants' rows in the tables behind it count as there to find.
  const behind = target.surface.relation.kind === 'view' && target.sources.some((t) => [...t.keys].some(([owner, keys]) => owner >= 0 && owner !== tenant && keys.length > 0));
  if (behind || [...present.keys()].some((t) => t !== tenant) || foreign.length > 0) {
    evidence.attempts.push(
      foreign.length > 0
        ? { aim: 'foreign', result: 'reached', note: `read rows of tenant ${describeOwners(foreign, seen)}` }
        : { aim: 'foreign', result: 'no-effect', note: 'read no other tenant’s rows' },
    );
  } else {
    evidence.untried.push({ aim: 'foreign', reason: 'no other tenant’s row to find in it' });
  }
  return evidence;
}
