import { nameParts, referencedColumns, walkAst, type VisitedNode } from '../../catalog/ast.ts';
import type { CatalogSnapshot, Function as CatalogFunction } from '../../catalog/snapshot.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { nameOf, relationSubject } from '../describe.ts';
import { appliesToApp, commands } from '../policies.ts';
import { alterPolicyClauses, rewriteCalls } from '../policy-fix.ts';

/** The user function a call names: qualified, or unqualified and found on the default path (public). */
function resolve(snapshot: CatalogSnapshot, name: string[]): CatalogFunction | undefined {
  const fn = name.at(-1);
  const candidates = snapshot.functions.filter((f) => f.name === fn && (name.length === 1 ? f.schema === 'public' : f.schema === name[0]));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/**
 * A call evaluated per row that could be evaluated once: outside any sub-select, of a
 * user-defined function (not from an extension) that is not IMMUTABLE, with arguments that
 * do not read the row. Built-ins such as current_setting() are the planner's business.
 */
function perRowCall(snapshot: CatalogSnapshot, node: VisitedNode): CatalogFunction | undefined {
  if (node.kind !== 'FuncCall' || node.inSubquery) return undefined;
  const fn = resolve(snapshot, nameParts(node.fields.funcname));
  if (!fn || fn.extension !== null || fn.volatility === 'immutable' || fn.kind !== 'function') return undefined;
  return referencedColumns(node.fields.args ?? []).length === 0 ? fn : undefined;
}

export default defineRule({
  meta: {
    id: 'policy-calls-function-per-row',
    title: 'Policy calls a function per row instead of once',
    description:
      'A policy calls a user-defined, non-IMMUTABLE function whose arguments do not depend on the row directly in its expression (`tenant_id = app.current_tenant()`), so Postgres may call it once per row scanned instead of once per statement. Performance, not isolation.',
    severity: 'low',
    remediation: 'Wrap the call in a scalar sub-select, `tenant_id = (select app.current_tenant())`: the planner evaluates it once (an InitPlan) and can use it as an index condition.',
  },
  check(context) {
    const findings: RuleFinding[] = [];
    for (const relation of context.snapshot.relations.filter((r) => r.rlsEnabled)) {
      for (const policy of relation.policies) {
        const covers = commands.some((c) => (policy.command === 'all' || policy.command === c.command) && context.can(relation, c.privilege));
        if (!covers || !appliesToApp(context, policy)) continue;
        const called = new Map<string, CatalogFunction>();
        for (const expression of [policy.using, policy.withCheck]) {
          if (!expression?.ast) continue;
          walkAst(expression.ast, (node) => {
            const fn = perRowCall(context.snapshot, node);
            if (fn) called.set(`${fn.schema}.${fn.name}(${fn.arguments})`, fn);
          });
        }
        if (called.size === 0) continue;
        const names = [...called.keys()];
        const first = [...called.values()][0]!;
        const listed = [...called].map(([name, fn]) => `${name} (${fn.volatility.toUpperCase()})`).join(', ');
        findings.push({
          message: `policy ${policy.name} on ${nameOf(relation)} calls ${listed} directly, outside a sub-select, so Postgres may evaluate it for every row it scans. Wrap each call in a scalar sub-select, e.g. (select ${first.schema}.${first.name}(${first.arguments ? '...' : ''})), so it runs once per statement.`,
          subject: relationSubject(relation, policy.name),
          evidence: { functions: names, using: policy.using?.text ?? null, withCheck: policy.withCheck?.text ?? null },
          fix:
            alterPolicyClauses(relation, policy, (e) => rewriteCalls(e, (n) => perRowCall(context.snapshot, n) !== undefined, (call) => `( SELECT ${call})`)) ??
            `-- wrap ${names.join(', ')} in (select ...) in policy ${policy.name} on ${nameOf(relation)}`,
        });
      }
    }
    return findings;
  },
});
