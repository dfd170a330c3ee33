import { defineRule, type RuleFinding } from '../rule.ts';
import { nameOf, relationSubject } from '../describe.ts';
import { commands, tableTruth } from '../policies.ts';
import type { Situation } from '../policy-eval.ts';

const situations: { situation: Situation; text: string }[] = [
  { situation: 'unset', text: 'no tenant is set (the setting is missing or NULL)' },
  { situation: 'empty', text: "the setting is empty ('' — what a pooled connection reads after the transaction that set it)" },
];

export default defineRule({
  meta: {
    id: 'policy-opens-without-context',
    title: 'Policy opens up when the tenant context is missing, NULL or empty',
    description:
      'Evaluated on the parsed policy expression: with no tenant set, or with the empty string a pooled connection reads after an earlier transaction set it, the policy is TRUE for every row.',
    severity: 'critical',
    remediation:
      "Compare the tenant column to the context with plain equality and let a missing context be NULL: tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid. Never add `OR current_setting(...) IS NULL` or coalesce the context to a value that matches.",
  },
  check(context) {
    const findings: RuleFinding[] = [];
    for (const { relation } of context.tenantTables) {
      if (!relation.rlsEnabled) continue;
      for (const { situation, text } of situations) {
        const open = commands.filter((c) => context.can(relation, c.privilege)).flatMap((c) => {
          const clause = c.command === 'insert' ? 'check' : 'using';
          const { truth, opening } = tableTruth(context, relation, c.command, clause, situation);
          return truth === 'true' ? [{ command: c.privilege, policies: opening.map((p) => p.name) }] : [];
        });
        if (open.length === 0) continue;
        const policies = [...new Set(open.flatMap((o) => o.policies))];
        findings.push({
          message: `policy ${policies.join(', ')} on ${nameOf(relation)} is TRUE for every row when ${text}: ${open.map((o) => o.command).join(', ')} by the application role reach all tenants' rows. Make a missing or empty context match nothing.`,
          subject: relationSubject(relation, policies[0]),
          key: situation,
          evidence: {
            situation,
            commands: open.map((o) => o.command),
            policies: policies.map((name) => ({ name, using: relation.policies.find((p) => p.name === name)?.using?.text ?? null })),
          },
          fix: policies
            .map((name) => `-- rewrite ${name} so that an unset or '' context is NULL and matches nothing, e.g.\nALTER POLICY ${name} ON ${nameOf(relation)} USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`)
            .join('\n'),
        });
      }
    }
    return findings;
  },
});
