import type { Function as CatalogFunction } from '../../catalog/snapshot.ts';
import { quoteIdent } from '../../db/quote.ts';
import type { AuditContext } from '../context.ts';
import { functionSql, relationsNamedIn, tenantDataOf, viewReads, type RelationRead } from '../dependencies.ts';
import { nameOf } from '../describe.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { exposureAs } from '../row-security.ts';

const writes = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/** What the body reaches: each relation it names, and what the views it names read on. */
function reachedBy(context: AuditContext, fn: CatalogFunction): RelationRead[] {
  return relationsNamedIn(context, fn).flatMap((relation) => [
    { relation, checkedAs: fn.owner, via: [] },
    ...(relation.kind === 'view' ? viewReads(context, relation, fn.owner) : []),
  ]);
}

export default defineRule({
  meta: {
    id: 'security-definer-touches-tenant-data',
    title: 'SECURITY DEFINER function reaches tenant data on its owner rights',
    description:
      "A SECURITY DEFINER function the application role can execute (PUBLIC may, by default) whose body names tenant tables, while row-level security does not bind the function's owner on them: a superuser, BYPASSRLS, the tables' owner without FORCE, or an owner whose own policies open. Any tenant can call it with another tenant's ids. Bodies are scanned as text.",
    severity: 'high',
    remediation:
      'Make the function SECURITY INVOKER so the caller’s policies apply, or have it owned by a role that forced row-level security binds with policies that pin the tenant; revoke EXECUTE from PUBLIC and grant it only to who needs it.',
  },
  check(context) {
    const findings: RuleFinding[] = [];
    for (const fn of context.snapshot.functions) {
      if (!fn.securityDefiner || fn.extension !== null || ['c', 'internal'].includes(fn.language) || !context.canExecute(fn)) continue;
      const seen = new Set<string>();
      const leaks = reachedBy(context, fn).flatMap((read) => {
        const key = `${read.relation.oid}|${read.checkedAs}`;
        const data = seen.has(key) ? null : tenantDataOf(context, read.relation);
        seen.add(key);
        const exposure = data ? exposureAs(context, read.checkedAs ?? fn.owner, read.relation, writes) : null;
        return data && exposure?.exposed ? [{ read, data, exposure }] : [];
      });
      if (leaks.length === 0) continue;
      const publicly = fn.grants.some((g) => g.grantee === 'public' && g.privilege === 'EXECUTE');
      const what = leaks.map(({ read, data, exposure }) => `${nameOf(read.relation)} (which ${data.reason}) unfiltered, because ${exposure.text}`).join('; ');
      findings.push({
        message: `SECURITY DEFINER ${fn.kind} ${nameOf(fn)}(${fn.arguments}) runs as its owner ${fn.owner} and the application role ${context.appRole} can execute it${publicly ? " (PUBLIC's EXECUTE, the default for new functions)" : ''}: its body reaches ${what}. Any tenant can call it with another tenant's ids. Make it SECURITY INVOKER, or own it by a role that forced row-level security binds, and revoke EXECUTE from PUBLIC.`,
        subject: { schema: fn.schema, function: fn.name },
        key: fn.arguments,
        fix: [
          `ALTER ${functionSql(fn)} SECURITY INVOKER;`,
          `-- or keep owner rights for a vetted caller only:`,
          `-- REVOKE EXECUTE ON ${functionSql(fn)} FROM PUBLIC, ${quoteIdent(context.appRole)};`,
        ].join('\n'),
        evidence: {
          owner: fn.owner,
          language: fn.language,
          publicExecute: publicly,
          reaches: leaks.map(({ read, data, exposure }) => ({ relation: nameOf(read.relation), checkedAs: read.checkedAs, tenantData: data.reason, bypass: exposure.why })),
        },
      });
    }
    return findings;
  },
});
