import { constantValue, nameParts, type VisitedNode } from '../../catalog/ast.ts';
import type { Function as CatalogFunction, Policy, Relation } from '../../catalog/snapshot.ts';
import { quoteIdent } from '../../db/quote.ts';
import type { AuditContext } from '../context.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { nameOf, relationSubject } from '../describe.ts';
import { appliesToApp, commands } from '../policies.ts';
import { alterPolicyClauses, rewriteCalls } from '../policy-fix.ts';
import { contextReads, shapeEnvironment, type ShapeEnvironment } from '../policy-shape.ts';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Settings a function body reads without missing_ok (textual: bodies are not parsed). */
function strictReads(fn: CatalogFunction, settings: Iterable<string>): string[] {
  return [...settings].filter((setting) =>
    new RegExp(`current_setting\\s*\\(\\s*'${escape(setting)}'(?:::text)?\\s*(\\)|,\\s*(false|'f'|'false'|'off')\\s*\\))`, 'i').test(fn.source),
  );
}

/** The setting a `current_setting(...)` call reads without missing_ok, if it is one of `settings`. */
function strictCall(node: VisitedNode, settings: readonly string[]): string | null {
  if (nameParts(node.fields.funcname).at(-1) !== 'current_setting') return null;
  const args = Array.isArray(node.fields.args) ? node.fields.args : [];
  const setting = constantValue(args[0]);
  const flag = args.length > 1 ? constantValue(args[1]) : false;
  return typeof setting === 'string' && settings.includes(setting) && (flag === false || flag === 'f' || flag === 'false' || flag === 'off') ? setting : null;
}

/** Policies the app role is subject to on relations it uses, with row-level security on. */
function appPolicies(context: AuditContext): { relation: Relation; policy: Policy }[] {
  return context.snapshot.relations.flatMap((relation) =>
    !relation.rlsEnabled
      ? []
      : relation.policies
          .filter((p) => appliesToApp(context, p) && commands.some((c) => (p.command === 'all' || p.command === c.command) && context.can(relation, c.privilege)))
          .map((policy) => ({ relation, policy })),
  );
}

/** The user functions a policy calls that read the context, and those they call in turn. */
function calledReaders(context: AuditContext, env: ShapeEnvironment, policy: Policy): CatalogFunction[] {
  const direct = [policy.using, policy.withCheck].flatMap((e) => (e?.ast ? contextReads(e.ast, env.context) : [])).flatMap((r) => (r.kind === 'function' ? [r.function] : []));
  const found: CatalogFunction[] = [];
  const queue = direct.flatMap((f) => context.snapshot.functions.filter((fn) => fn.schema === f.schema && fn.name === f.name));
  while (queue.length > 0) {
    const fn = queue.shift()!;
    if (found.includes(fn)) continue;
    found.push(fn);
    const callees = env.context.functions.filter((f) => new RegExp(`(^|[^\\w$])${escape(f.name)}\\s*\\(`, 'i').test(fn.source));
    queue.push(...callees.flatMap((f) => context.snapshot.functions.filter((other) => other.schema === f.schema && other.name === f.name && other !== fn)));
  }
  return found;
}

const consequence =
  'a session that never set the tenant (a background job, a migration, a fresh connection before the tenant is set) fails with "unrecognized configuration parameter" instead of seeing no rows. Not a leak, but an outage waiting to happen, and the usual quick fix (a default that matches every row) would be one';

export default defineRule({
  meta: {
    id: 'current-setting-without-missing-ok',
    title: 'Tenant context read without missing_ok',
    description:
      "A policy (or a context function it calls) reads the tenant setting with current_setting('<setting>') without missing_ok = true, so statements fail with an error when no tenant was ever set in the session. Availability, not isolation.",
    severity: 'info',
    remediation: "Read the context as nullif(current_setting('app.tenant_id', true), ''): NULL when unset or reset, which matches no row.",
  },
  check(context) {
    const env = shapeEnvironment(context);
    // A setting with a database or role default exists in every session: no error possible.
    const undefinedSettings = [...env.context.settings].filter((s) => context.snapshot.settings[s] === undefined);
    const findings: RuleFinding[] = [];
    const functions = new Map<CatalogFunction, Set<string>>();
    for (const { relation, policy } of appPolicies(context)) {
      const reads = [policy.using, policy.withCheck].flatMap((e) => (e?.ast ? contextReads(e.ast, env.context) : []));
      const strict = [...new Set(reads.flatMap((r) => (r.kind === 'setting' && !r.missingOk && undefinedSettings.includes(r.setting) ? [r.setting] : [])))];
      if (strict.length > 0) {
        findings.push({
          message: `policy ${policy.name} on ${nameOf(relation)} reads ${strict.map((s) => `current_setting('${s}')`).join(', ')} without missing_ok: ${consequence}. Use nullif(current_setting('${strict[0]}', true), '').`,
          subject: relationSubject(relation, policy.name),
          evidence: { settings: strict, using: policy.using?.text ?? null, withCheck: policy.withCheck?.text ?? null },
          fix:
            alterPolicyClauses(relation, policy, (e) => rewriteCalls(e, (n) => strictCall(n, strict) !== null, (_, n) => `nullif(current_setting('${strictCall(n, strict)}', true), '')`)) ??
            `-- in policy ${policy.name} on ${nameOf(relation)}, replace current_setting('${strict[0]}') with nullif(current_setting('${strict[0]}', true), '')`,
        });
      }
      for (const fn of calledReaders(context, env, policy)) {
        const users = functions.get(fn) ?? new Set<string>();
        users.add(`${policy.name} on ${nameOf(relation)}`);
        functions.set(fn, users);
      }
    }
    for (const [fn, users] of functions) {
      const strict = strictReads(fn, undefinedSettings);
      if (strict.length === 0) continue;
      findings.push({
        message: `function ${fn.schema}.${fn.name}(${fn.arguments}), called by policy ${[...users].join(', ')}, reads ${strict.map((s) => `current_setting('${s}')`).join(', ')} without missing_ok: ${consequence}. Pass true as the second argument and turn '' into NULL.`,
        subject: { schema: fn.schema, function: fn.name },
        evidence: { settings: strict, policies: [...users] },
        fix: `-- in the body of ${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}(${fn.arguments}) (CREATE OR REPLACE FUNCTION), replace\n--   current_setting('${strict[0]}')\n-- with\n--   nullif(current_setting('${strict[0]}', true), '')`,
      });
    }
    return findings;
  },
});
