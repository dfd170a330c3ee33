import type { Relation } from '../../catalog/snapshot.ts';
import { quoteIdent } from '../../db/quote.ts';
import { appCommands, nameOf, relationSubject, sqlName } from '../describe.ts';
import { privilegeHolders, revokeStatements } from '../privilege-paths.ts';
import { defineRule } from '../rule.ts';

const tableKinds = new Set(['table', 'partitioned-table']);

/** The parents of a partition or inheritance child, `schema.name`. */
function parentsOf(relation: Relation): string[] {
  return relation.partitionOf ? [nameOf(relation.partitionOf)] : relation.inheritsFrom;
}

export default defineRule({
  meta: {
    id: 'partition-without-policies',
    title: 'Partition or inheritance child reachable directly without row-level security',
    description:
      "A partition or inheritance child of a tenant table that the application role can query directly has row-level security disabled. Queried by its own name, a child applies its own row-level security, not its parent's, so every tenant's rows in it are exposed.",
    severity: 'high',
    remediation:
      'Revoke the application\'s privileges on the partition (it should go through the parent), and enable and force row-level security on it with the parent\'s policies as a second lock.',
  },
  check(context) {
    return context.snapshot.relations
      .filter((r) => tableKinds.has(r.kind) && r.extension === null && !r.rlsEnabled && parentsOf(r).length > 0)
      .flatMap((relation) => {
        const parents = parentsOf(relation).map((name) => context.relation(name)).filter((p): p is Relation => p !== undefined);
        const tenantParent = parents.find((p) => context.tenantTable(p));
        if (!tenantParent && !context.tenantTable(relation)) return [];
        const used = appCommands(context, relation);
        if (used.length === 0) return [];
        const kind = relation.partitionOf ? 'partition' : 'inheritance child';
        const parent = tenantParent ?? parents[0];
        const holders = [...new Map(used.flatMap((p) => privilegeHolders(context, relation, p)).map((h) => [h.grantee, h])).values()];
        const parentText = parent ? ` of ${nameOf(parent)}` : '';
        const parentPolicies = parent?.rlsEnabled ? ` (the parent's ${parent.policies.length} ${parent.policies.length === 1 ? 'policy does' : 'policies do'} not apply)` : '';
        return [
          {
            message: `${kind} ${nameOf(relation)}${parentText} holds tenant data and the application role ${context.appRole} can ${used.join(', ')} it directly (granted to ${holders.map((h) => h.text).join(', ')}), but row-level security is disabled on it: queried by its own name it applies no policy${parentPolicies}, so every tenant's rows in it are exposed. Revoke the direct privileges and enable and force row-level security on it.`,
            subject: relationSubject(relation),
            fix: [
              ...revokeStatements(holders, 'ALL', sqlName(relation)),
              `ALTER TABLE ${sqlName(relation)} ENABLE ROW LEVEL SECURITY;`,
              `ALTER TABLE ${sqlName(relation)} FORCE ROW LEVEL SECURITY;`,
              ...(parent?.policies ?? []).map((p) => `-- then copy policy ${p.name} of ${nameOf(parent!)}: CREATE POLICY ${quoteIdent(`${relation.name}_${p.name}`)} ON ${sqlName(relation)} ...;`),
            ].join('\n'),
            evidence: { parent: parent ? nameOf(parent) : null, kind, commands: used, grantedTo: holders.map((h) => h.text) },
          },
        ];
      });
  },
});
