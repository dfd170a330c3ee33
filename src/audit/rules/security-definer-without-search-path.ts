import type { Function as CatalogFunction } from '../../catalog/snapshot.ts';
import { quoteIdent } from '../../db/quote.ts';
import type { AuditContext } from '../context.ts';
import { functionSql, relationsNamedIn, searchPathOf } from '../dependencies.ts';
import { nameOf } from '../describe.ts';
import { defineRule, type RuleFinding } from '../rule.ts';

/** Roles other than the schema's owner and the function's owner that may create objects in a schema. */
function outsideWriters(context: AuditContext, schema: string, fn: CatalogFunction): string[] {
  const found = context.snapshot.schemas.find((s) => s.name === schema);
  if (!found) return [];
  const writers = found.grants.filter((g) => g.privilege === 'CREATE' && g.grantee !== found.owner && g.grantee !== fn.owner).map((g) => (g.grantee === 'public' ? 'PUBLIC' : g.grantee));
  return [...new Set(writers)];
}

/** What is wrong with a definer function's search_path; empty when it is safe. */
function problemsOf(context: AuditContext, fn: CatalogFunction): { problems: string[]; writable: string[] } {
  const path = searchPathOf(fn);
  if (path === null) {
    return { problems: ["it does not pin search_path, so it resolves names on the caller's: a caller who puts a schema of its own first substitutes tables, functions and operators that then run with the owner's rights"], writable: [] };
  }
  const problems: string[] = [];
  const writable: string[] = [];
  if (path[0] === '$user') problems.push(`"$user" comes first, so names resolve first in a schema named after whoever owns the function (${fn.owner}), which need not exist today and may be created later by someone else`);
  const temp = path.indexOf('pg_temp');
  if (temp >= 0 && temp < path.length - 1) problems.push("pg_temp is not last: any caller's temporary tables shadow the tables of the schemas listed after it");
  if (temp < 0) {
    // Not listed, pg_temp is searched first for relations (never for functions or operators).
    const shadowed = relationsNamedIn(context, fn, true);
    if (shadowed.length > 0) problems.push(`pg_temp is not listed, so it is searched first for relations: a caller's temporary table named ${shadowed.map((r) => r.name).join(', ')} replaces ${shadowed.map(nameOf).join(', ')} in its body`);
  }
  for (const schema of new Set(path.map((s) => (s === '$user' ? fn.owner : s)))) {
    const writers = outsideWriters(context, schema, fn);
    if (writers.length === 0) continue;
    writable.push(schema);
    problems.push(`schema ${schema} on its path is writable by ${writers.join(', ')}, who can plant objects the function then resolves`);
  }
  return { problems, writable };
}

export default defineRule({
  meta: {
    id: 'security-definer-without-search-path',
    title: 'SECURITY DEFINER function with an unpinned or unsafe search_path',
    description:
      'A SECURITY DEFINER function that does not pin search_path, or pins one that lists a schema others can create objects in, puts "$user" first, or lets the caller\'s temporary schema come before the tables it names. Whoever controls name resolution runs code or substitutes tables with the owner\'s rights.',
    severity: 'high',
    remediation:
      'ALTER FUNCTION ... SET search_path = <schemas only trusted roles can create in>, pg_temp (pg_temp last), or qualify every name and SET search_path = \'\'; and REVOKE CREATE ON SCHEMA public FROM PUBLIC.',
  },
  check(context) {
    const findings: RuleFinding[] = [];
    for (const fn of context.snapshot.functions) {
      if (!fn.securityDefiner || fn.extension !== null) continue;
      // A SQL-standard body (BEGIN ATOMIC / RETURN, PG14+; prosrc is empty) is parsed when the
      // function is created: its names are bound then, not on the caller's path.
      if (fn.language === 'sql' && fn.source.trim() === '') continue;
      const { problems, writable } = problemsOf(context, fn);
      if (problems.length === 0) continue;
      const callable = context.canExecute(fn);
      const keep = (searchPathOf(fn) ?? [fn.schema]).filter((s) => s !== '$user' && s !== 'pg_temp' && !writable.includes(s));
      const publicWriters = writable.filter((s) => outsideWriters(context, s, fn).includes('PUBLIC'));
      findings.push({
        message: `SECURITY DEFINER ${fn.kind} ${nameOf(fn)}(${fn.arguments}) runs as ${fn.owner}, but ${problems.join('; ')}. ${callable ? `The application role ${context.appRole} can execute it.` : 'The application role cannot execute it today, but whoever can runs as its owner.'} Pin a search_path of schemas only trusted roles can create in, with pg_temp last.`,
        subject: { schema: fn.schema, function: fn.name },
        severity: callable ? 'high' : 'medium',
        key: fn.arguments,
        fix: [
          `ALTER ${functionSql(fn)} SET search_path = ${[...new Set(['pg_catalog', ...keep])].map((s) => (s === 'pg_catalog' ? s : quoteIdent(s))).join(', ')}, pg_temp;`,
          ...publicWriters.map((s) => `REVOKE CREATE ON SCHEMA ${quoteIdent(s)} FROM PUBLIC;`),
        ].join('\n'),
        evidence: { searchPath: fn.settings['search_path'] ?? null, owner: fn.owner, executableByApp: callable, problems },
      });
    }
    return findings;
  },
});
