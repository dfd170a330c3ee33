import type { Column, Index, Relation } from '../../catalog/snapshot.ts';
import type { Severity } from '../../core/check.ts';
import { quoteIdent } from '../../db/quote.ts';
import { nameOf, relationSubject, sqlName } from '../describe.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { inheritedFromParent, keyColumns, sameColumns, tablesWithTenantColumn, writeCommands } from '../tenant-keys.ts';

const randomDefault = /\b(gen_random_uuid|uuid_generate_v4|uuidv4|uuidv7)\s*\(/i;

/**
 * How much a duplicate-key error on these columns tells: values a random UUID default makes
 * (only confirms an id the caller already holds: info); sequence or identity values (the
 * caller can still supply one — OVERRIDING SYSTEM VALUE works for GENERATED ALWAYS — but the
 * shared counter already shows how many exist: low); UUIDs the application supplies (only
 * known ids can be confirmed, but they may be external identities: low); anything people
 * choose (medium).
 */
function keyKind(relation: Relation, columns: string[], entries: string[]): { severity: Severity; text: string } {
  const cols = columns.map((name) => relation.columns.find((c) => c.name === name));
  const plain = entries.length === columns.length && cols.every((c) => c !== undefined) ? (cols as Column[]) : null;
  const random = (c: Column) => c.default !== null && randomDefault.test(c.default);
  const sequence = (c: Column) => c.identity !== null || /\bnextval\s*\(/i.test(c.default ?? '');
  if (plain?.every(random)) return { severity: 'info', text: 'they are random UUIDs, so the error only confirms an id the caller already knows' };
  if (plain?.every((c) => random(c) || sequence(c))) {
    return { severity: 'low', text: 'they are surrogate keys from a shared sequence, whose values the caller can still supply (OVERRIDING SYSTEM VALUE) to learn which ids other tenants hold' };
  }
  if (plain?.every((c) => random(c) || sequence(c) || c.typeName === 'uuid')) {
    return { severity: 'low', text: 'they are UUIDs the application supplies, so the error confirms only ids the caller already knows — which may be external identities (is this user known to another tenant?)' };
  }
  return { severity: 'medium', text: 'a tenant learns that another tenant holds the value, and two tenants can never both use it' };
}

function fixOf(relation: Relation, index: Index, tenantColumn: string): string {
  const names = new Set(relation.columns.map((c) => c.name));
  const entries = [tenantColumn, ...index.columns].map((e) => (names.has(e) ? quoteIdent(e) : `(${e})`)).join(', ');
  const constraint = relation.constraints.find((c) => (c.kind === 'unique' || c.kind === 'primary-key') && c.name === index.name);
  if (constraint) {
    const kind = constraint.kind === 'primary-key' ? 'PRIMARY KEY' : 'UNIQUE';
    return `-- foreign keys that reference ${index.name} must be re-pointed first (they become composite too)\nALTER TABLE ${sqlName(relation)} DROP CONSTRAINT ${quoteIdent(index.name)};\nALTER TABLE ${sqlName(relation)} ADD CONSTRAINT ${quoteIdent(index.name)} ${kind} (${entries});`;
  }
  const where = index.predicate ? ` WHERE ${index.predicate}` : '';
  return `DROP INDEX ${quoteIdent(relation.schema)}.${quoteIdent(index.name)};\nCREATE UNIQUE INDEX ${quoteIdent(index.name)} ON ${sqlName(relation)} (${entries})${where};`;
}

export default defineRule({
  meta: {
    id: 'unique-without-tenant',
    title: 'Unique key on a tenant table without the tenant column',
    description:
      "A unique constraint or index on a tenant table that does not include the tenant column, where the application role can insert or update its columns. Uniqueness is checked across all rows, ignoring row-level security, so a duplicate-key error tells one tenant that another holds the value (an existence oracle), and tenants cannot reuse each other's values.",
    severity: 'medium',
    remediation: 'Lead the key with the tenant column: UNIQUE (tenant_id, email), PRIMARY KEY (tenant_id, id).',
  },
  check(context) {
    const findings: RuleFinding[] = [];
    for (const { relation, tenantColumn } of tablesWithTenantColumn(context)) {
      for (const index of relation.indexes) {
        if (!index.unique) continue;
        const columns = keyColumns(relation, index.columns);
        if (columns.includes(tenantColumn)) continue;
        if (inheritedFromParent(context, relation, (p) => p.indexes.some((i) => i.unique && sameColumns(i.columns, index.columns)))) continue;
        const writes = writeCommands(context, relation, columns);
        if (writes.length === 0) continue;
        const { severity, text } = keyKind(relation, columns, index.columns);
        const what = index.primary ? 'primary key' : relation.constraints.some((c) => c.name === index.name) ? 'unique constraint' : 'unique index';
        findings.push({
          message: `${what} ${index.name} on ${nameOf(relation)} (${index.columns.join(', ')}) does not include ${tenantColumn}, and the application role ${context.appRole} can ${writes.join(', ')} its columns: uniqueness ignores row-level security, so writing a value another tenant uses fails with a duplicate-key error — ${text}. ${severity === 'info' ? 'Where nothing needs the value unique on its own, make' : 'Make'} the key (${[tenantColumn, ...index.columns].join(', ')}).`,
          subject: relationSubject(relation),
          severity,
          key: index.name,
          fix: fixOf(relation, index, tenantColumn),
          evidence: { index: index.name, definition: index.definition, commands: writes },
        });
      }
    }
    return findings;
  },
});
