import * as fc from 'fast-check';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim, victimKey } from '../arbitraries.ts';
import { excerptAround, foreignCanaries, receivedText } from '../oracle.ts';
import { defineProbe } from '../probe.ts';

/**
 * The simplest attack and the commonest bug: ask for another tenant's row by its key.
 * Generated over every seeded relation the app can SELECT, every tenant pair, and any row.
 */
export default defineProbe({
  meta: {
    id: 'read-by-key',
    title: 'Read another tenant’s row by its key',
    description: "Selects rows of another tenant by primary key from every table the application role can read, acting as the app for one tenant.",
    severity: 'critical',
    remediation: 'Enable and force row-level security on the table with a policy that pins the tenant (see the audit findings it confirms).',
  },
  confirms: ['rls-disabled', 'rls-not-forced', 'app-role-bypasses-rls', 'policy-does-not-constrain-tenant', 'permissive-policy-opens-table', 'app-role-owns-tenant-table'],
  arbitrary(env) {
    const tables = env.surface.readable.filter((r) => r.seeded && r.seeded.keyColumns.length > 0 && [...r.seeded.keys.keys()].some((k) => k >= 0));
    if (tables.length === 0) return null;
    return fc.record({ pair: attackerAndVictim(env), table: fc.constantFrom(...tables), pick: fc.nat() }).map(({ pair, table, pick }) => ({ ...pair, table, pick }));
  },
  async execute(c, env) {
    const seeded = c.table.seeded!;
    const key = victimKey(seeded, c.victim, c.pick);
    const where = key
      ? seeded.keyColumns.map((column, i) => `${quoteIdent(column)}::text = ${quoteLiteral(key[i]!)}`).join(' AND ')
      : 'false';
    const attempt = { context: env.contextFor(c.attacker), statements: [`SELECT * FROM ${quoteQualified(c.table.relation)} WHERE ${where}`] };
    const outcome = await env.sessions.run(attempt);
    const hits = foreignCanaries(outcome, env.codec, c.attacker);
    // Tables without canary columns: a returned row is the victim's by the manifest's keys.
    const rows = outcome.results[0]?.rows.length ?? 0;
    const leaked = hits.length > 0 || (key !== null && rows > 0 && seeded.canaryColumns.length === 0);
    return {
      attempts: [attempt],
      outcomes: [outcome],
      leak: leaked
        ? {
            what: `tenant #${c.attacker} read ${rows} row(s) of tenant #${hits[0]?.tenantIndex ?? c.victim} from ${c.table.name} by key`,
            target: c.table.name,
            canaries: [...new Set(hits.map((h) => h.canary))].slice(0, 5),
            excerpt: hits[0] ? excerptAround(receivedText(outcome), hits[0].canary) : `key (${seeded.keyColumns.join(', ')}) = (${key!.join(', ')})`,
            victim: hits[0]?.tenantIndex ?? c.victim,
          }
        : null,
    };
  },
});
