import * as fc from 'fast-check';
import { quoteIdent, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim, readableTenantData } from '../arbitraries.ts';
import { defineProbe, type Leak } from '../probe.ts';
import { canaryLeak, visibleRowBound, readLeakConfirms } from '../read-evidence.ts';
import { readShape, renderWhere } from '../read-predicates.ts';

/**
 * Bulk export: `COPY table TO STDOUT` and `COPY (SELECT ...) TO STDOUT`, in text and CSV, of
 * every relation with tenant data the application role can read. COPY is its own command path
 * in the server (a table COPY is rewritten into a query only when row-level security is on),
 * so the probe shows by evidence that it honours the policies: canaries of other tenants in
 * the exported lines, or more lines than the attacker's own rows per the manifest. The data
 * comes through `sessions.copyOut` (node-postgres drops COPY data from a plain query).
 */

const forms = ['table', 'query', 'columns'] as const;

export default defineProbe({
  meta: {
    id: 'copy-to',
    title: 'Export other tenants’ rows with COPY TO',
    description: 'Exports every relation with tenant data the application role can read with COPY ... TO STDOUT (whole tables, column lists, and filtered queries; text and CSV) and looks for other tenants’ canaries, or more lines than the attacker’s own rows.',
    severity: 'high',
    remediation: 'Row-level security applies to COPY TO as to SELECT: enable and force it with a tenant-pinning policy on every table the application can export.',
  },
  confirms: readLeakConfirms,
  arbitrary(env) {
    const relations = readableTenantData(env);
    if (relations.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), relation: fc.constantFrom(...relations), form: fc.constantFrom(...forms), csv: fc.boolean(), column: fc.nat(), shape: readShape() })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, env) {
    const rel = c.relation.relation;
    // COPY <relation> TO works on plain tables only; everything else is exported as a query.
    const form = rel.kind === 'table' ? c.form : 'query';
    const format = c.csv ? ' WITH (FORMAT csv, HEADER)' : '';
    const column = quoteIdent(rel.columns[c.column % rel.columns.length]!.name);
    const source = {
      table: quoteQualified(rel),
      columns: `${quoteQualified(rel)} (${column})`,
      query: `(SELECT * FROM ${quoteQualified(rel)}${renderWhere(env, c.relation, c.shape, c.victim)})`,
    }[form];
    const sql = `COPY ${source} TO STDOUT${format}`;
    const attempt = { context: env.contextFor(c.attacker), statements: [sql] };
    const outcome = await env.sessions.copyOut(attempt);
    const target = c.relation.name;
    let leak: Leak | null = canaryLeak(env, [outcome], {
      attacker: c.attacker,
      target,
      sent: sql,
      what: (victim, n) => `tenant #${c.attacker} exported ${n} line(s) including tenant #${victim}’s data from ${target} with COPY TO`,
    });
    // A whole-table export: its line count against the rows the attacker may see.
    const seeded = c.relation.seeded;
    const lines = (outcome.results[0]?.rowCount ?? 0) - (c.csv ? 1 : 0);
    if (!leak && !outcome.error && seeded && form !== 'query' && lines > visibleRowBound(seeded, c.attacker)) {
      const bound = visibleRowBound(seeded, c.attacker);
      leak = { what: `tenant #${c.attacker} exported ${lines} rows of ${target} with COPY TO where it owns at most ${bound}`, target, canaries: [], excerpt: `${sql} → ${lines} lines (bound ${bound})`, victim: c.victim };
    }
    return { attempts: [attempt], outcomes: [outcome], leak };
  },
});
