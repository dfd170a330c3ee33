import type { Constraint, Relation } from '../catalog/snapshot.ts';
import type { AuditContext, TenantTable } from './context.ts';
import { policiesFor } from './policies.ts';
import { judgeClause, restrictivePins } from './policy-pin.ts';
import { readsContext, shapeEnvironment, type ShapeEnvironment } from './policy-shape.ts';

/**
 * What the policy-shape rules judge, and with what: the tables whose policies are meant to
 * isolate tenants, and which relations a policy's sub-select can lean on because their own
 * row-level security already pins the tenant for the application role.
 */

/**
 * True when row-level security filters the relation for the app role: enabled, and forced or
 * not owned by a role the app can act as. (A reachable BYPASSRLS or superuser role makes every
 * policy moot; app-role-bypasses-rls reports that, so it is not held against each table here.)
 */
function rlsApplies(context: AuditContext, relation: Relation): boolean {
  return relation.rlsEnabled && (relation.rlsForced || context.ownerReach(relation) === undefined);
}

/** True when the relation's own policies let the app role see only the current tenant's rows. */
function selfPinned(context: AuditContext, relation: Relation, env: ShapeEnvironment): boolean {
  const entry = context.tenantTable(relation);
  if (!entry || !rlsApplies(context, relation)) return false;
  if (restrictivePins(context, relation, 'select', 'using', env)) return true;
  // No permissive policy: nothing is visible, which constrains too.
  return policiesFor(context, relation, 'select').permissive.every((p) => judgeClause(p.using, relation, entry.tenantColumn, env).verdict === 'pins');
}

/**
 * The environment the rules judge with: tenant (and user) columns, the context with its
 * indirect readers, and the relations pinned by their own policies. A sub-select of a
 * relation counts as reading the tenant when that relation's policies pin it (Postgres
 * applies them to the sub-select, as the invoking role); cycles lean on nothing.
 */
export function auditShapeEnvironment(context: AuditContext): ShapeEnvironment {
  const env: ShapeEnvironment = { ...shapeEnvironment(context) };
  const memo = new Map<number, boolean>();
  env.pinnedRelation = (ref) => {
    const candidates = context.snapshot.relations.filter((r) => r.name === ref.name && (ref.schema === null || r.schema === ref.schema));
    const relation = candidates.find((r) => r.schema === 'public') ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (!relation) return false;
    const known = memo.get(relation.oid);
    if (known !== undefined) return known;
    memo.set(relation.oid, false);
    const pinned = selfPinned(context, relation, env);
    memo.set(relation.oid, pinned);
    return pinned;
  };
  return env;
}

/** A tenant table that lists the relation's rows per tenant: its foreign key to the relation sits in a key with its tenant column (memberships → users). */
export interface MembershipReference {
  table: Relation;
  tenantColumn: string;
  fk: Constraint;
}

/** The tenant table that references the relation through a key including its tenant column, if any. */
export function membershipReference(context: AuditContext, relation: Relation): MembershipReference | undefined {
  for (const { relation: table, tenantColumn } of context.tenantTables) {
    if (tenantColumn === null) continue;
    const fk = table.constraints.find(
      (c) =>
        c.kind === 'foreign-key' &&
        c.references?.schema === relation.schema &&
        c.references.table === relation.name &&
        table.constraints.some((key) => (key.kind === 'primary-key' || key.kind === 'unique') && key.columns.includes(tenantColumn) && c.columns.every((col) => key.columns.includes(col))),
    );
    if (fk) return { table, tenantColumn, fk };
  }
  return undefined;
}

/**
 * Tenant tables with row-level security whose policies are meant to isolate tenants. A table
 * that is tenant data only because RLS is enabled on it (no tenant column, no foreign key to
 * tenant data) counts when a policy on it reads the context or a tenant table lists its rows
 * per tenant (users through memberships); otherwise it is shared data with RLS switched on
 * (a public `countries` table readable by all), which these rules leave alone.
 */
export function isolatedTables(context: AuditContext, env: ShapeEnvironment): TenantTable[] {
  return context.tenantTables.filter(({ relation, reason }) => {
    if (!relation.rlsEnabled) return false;
    if (reason !== 'row-security') return true;
    const readsIt = relation.policies.some((p) => [p.using, p.withCheck].some((e) => e?.ast && readsContext(e.ast, env.context)));
    return readsIt || membershipReference(context, relation) !== undefined;
  });
}
