import type { CatalogSnapshot, Column, Constraint } from '../catalog/snapshot.ts';
import { formatQualifiedName } from '../core/names.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { rulesFor, tableRules } from './checks.ts';
import { foreignKeys, targetKey, type Classification, type TableNode } from './classify.ts';
import { canCarryCanary, kindOf } from './column-kind.ts';
import { makeGenerator, type ColumnGenerator } from './generators.ts';
import { applyOrders } from './orders.ts';
import { partitionRule } from './partitions.ts';
import type { ValuePools } from './pools.ts';
import { identifyingColumns, uniqueSets } from './unique-keys.ts';

/**
 * A table's seeding plan: which columns are written and where each value comes from (the
 * tenant id, a parent row through a foreign key, or a generator), how many rows per group,
 * and what the manifest will say about its columns. Made once per table, before any row.
 */

/** Where one written column gets its values. */
export interface Slot {
  column: Column;
  source: 'tenant' | 'fk' | 'generated' | 'null';
  generate: ColumnGenerator | null;
  /** The column's values, on owned rows, are canaries of the row's owner. */
  canary: boolean;
  plainReason: string | null;
}

/** A foreign key the row copies from one parent row. */
export interface FkPlan {
  constraint: Constraint;
  parent: string;
  self: boolean;
  /** Slot indexes of the FK columns, and the parent columns they copy. */
  slots: number[];
  parentColumns: string[];
  /** Slot indexes of the FK's nullable columns (nulled for roots and broken cycles). */
  nullableSlots: number[];
  /** Part of a unique key: each row takes a different parent (row n takes parent n). */
  distinct: boolean;
}

/** Everything needed to generate a table's rows. */
export interface TablePlan {
  node: TableNode;
  slots: Slot[];
  fks: FkPlan[];
  /** Generated slots in call order (lower bounds before the columns ordered after them). */
  generatedOrder: number[];
  /** Rows per group (a tenant, or -1 for unsliced shared tables); null means from the options. */
  rowCap: number | null;
  /** GENERATED ALWAYS identity: load through a staging table with OVERRIDING SYSTEM VALUE. */
  staging: boolean;
  /** Columns whose sequence must be moved past the explicit values. */
  sequenceColumns: { column: string; sequence: string | null }[];
  keySlots: number[];
  plainColumns: { column: string; reason: string }[];
  /** Reasons the table cannot be seeded at all. */
  problems: string[];
}

/** Builds the plan of one table; `plans` holds the plans of the tables before it. */
export function planTable(
  snapshot: CatalogSnapshot,
  classification: Classification,
  node: TableNode,
  plans: Map<string, TablePlan>,
  pools: ValuePools,
  tenantIdsAreCanaries: boolean,
): TablePlan {
  const relation = node.relation;
  const owned = node.role !== 'shared';
  const rules = tableRules(relation);
  const columns = relation.columns.filter((c) => c.generated === null);
  const fkConstraints = foreignKeys(relation).filter((fk) => classification.byKey.has(targetKey(fk)));
  const tenantColumn = node.role === 'registry' ? classification.registryKey : node.tenantColumn;
  const fkColumns = new Set(fkConstraints.filter((fk) => !isBroken(classification, node, fk)).flatMap((fk) => fk.columns));
  const brokenColumns = new Set(fkConstraints.filter((fk) => isBroken(classification, node, fk)).flatMap((fk) => fk.columns));
  const sets = uniqueSets(relation);
  const inUnique = new Set(sets.flat());
  const partition = partitionRule(snapshot, relation);
  const problems: string[] = [];
  const plainColumns: { column: string; reason: string }[] = [];
  const slots: Slot[] = [];
  const uniqueColumns = new Set<string>();
  const cycleColumns = new Set<string>();
  let rowCap: number | null = null;
  const distinctFks = new Set<string>();
  // Which column of each unique set carries the uniqueness (see header of unique-keys.ts).
  for (const set of sets) {
    const rest = set.filter((c) => c !== tenantColumn);
    if (rest.length === 0) {
      rowCap = 1;
      continue;
    }
    const col = (name: string) => columns.find((c) => c.name === name);
    if (rest.some((name) => !fkColumns.has(name) && owned && canaryCapable(col(name), rulesFor(rules, name).allowed))) continue;
    const free = rest.find((name) => !fkColumns.has(name) && col(name) && !listed(col(name)!, rulesFor(rules, name).allowed));
    if (free) {
      uniqueColumns.add(free);
      continue;
    }
    const viaFk = fkConstraints.find((fk) => fk.columns.some((c) => rest.includes(c)) && !isBroken(classification, node, fk));
    if (viaFk) {
      distinctFks.add(viaFk.name);
      continue;
    }
    for (const name of rest) cycleColumns.add(name);
    const sizes = rest.map((name) => (rulesFor(rules, name).allowed ?? col(name)?.enumValues ?? ['t', 'f']).length);
    rowCap = Math.min(rowCap ?? Infinity, sizes.reduce((a, b) => a * b, 1));
  }
  for (const column of columns) {
    const isIdentity = column.identity !== null || /^nextval\(/i.test(column.default ?? '');
    if (column.name === tenantColumn) {
      slots.push({ column, source: 'tenant', generate: null, canary: tenantIdsAreCanaries, plainReason: tenantIdsAreCanaries ? null : 'tenant id' });
      continue;
    }
    if (fkColumns.has(column.name)) {
      slots.push({ column, source: 'fk', generate: null, canary: false, plainReason: null });
      continue;
    }
    if (brokenColumns.has(column.name) && !column.notNull) {
      slots.push({ column, source: 'null', generate: null, canary: false, plainReason: 'NULL: its foreign key is left empty to break a cycle' });
      continue;
    }
    const kind = kindOf(column).kind;
    const leaveToDefault =
      column.default !== null && !column.notNull && !canCarryCanary(kind) && !inUnique.has(column.name) && !isIdentity && partition?.column !== column.name;
    if (leaveToDefault) {
      plainColumns.push({ column: column.name, reason: `left to its default (${column.default})` });
      continue;
    }
    const made = makeGenerator(pools, column, {
      table: relation.name,
      owned,
      unique: uniqueColumns.has(column.name) || isIdentity,
      rules: rules.columns.get(column.name),
      partition: partition?.column === column.name ? partition.domain : null,
      cycleDomain: cycleColumns.has(column.name),
    });
    if ('problem' in made) {
      if (column.default !== null) plainColumns.push({ column: column.name, reason: `left to its default: ${made.problem}` });
      else if (!column.notNull) slots.push({ column, source: 'null', generate: null, canary: false, plainReason: `left NULL: ${made.problem}` });
      else problems.push(made.problem);
      continue;
    }
    slots.push({ column, source: 'generated', generate: made.generate, canary: made.canary, plainReason: made.plainReason });
  }
  if (partition && !slots.some((s) => s.column.name === partition.column && s.source === 'generated')) {
    // The key comes from the tenant id or a parent row: nothing to aim with; the server judges.
    plainColumns.push({ column: partition.column, reason: 'partition key copied from the tenant or a parent; rows go wherever it routes them' });
  }
  const fks = fkConstraints.map((fk) => planFk(classification, node, fk, slots, distinctFks.has(fk.name)));
  markFkCanaries(slots, fks, plans, node);
  const generatedOrder = applyOrders(slots, rules.orders);
  for (const slot of slots) if (slot.plainReason && !slot.canary) plainColumns.push({ column: slot.column.name, reason: slot.plainReason });
  const keyNames = identifyingColumns(relation);
  const keySlots = keyNames && keyNames.every((k) => slots.some((s) => s.column.name === k))
    ? keyNames.map((k) => slots.findIndex((s) => s.column.name === k))
    : slots.map((_, i) => i);
  return {
    node,
    slots,
    fks,
    generatedOrder,
    rowCap,
    staging: columns.some((c) => c.identity === 'always'),
    sequenceColumns: columns
      .filter((c) => c.identity !== null || /^nextval\(/i.test(c.default ?? ''))
      .map((c) => ({ column: c.name, sequence: /^nextval\('(.*)'::regclass\)$/i.exec(c.default ?? '')?.[1] ?? null })),
    keySlots,
    plainColumns,
    problems,
  };
}

function canaryCapable(column: Column | undefined, allowed: string[] | undefined): boolean {
  if (!column || allowed || column.enumValues) return false;
  const kind = kindOf(column);
  return canCarryCanary(kind.kind) && (kind.kind !== 'text' || (kind.maxLength ?? Infinity) >= 11);
}

function listed(column: Column, allowed: string[] | undefined): boolean {
  const kind = kindOf(column).kind;
  return allowed !== undefined || kind === 'enum' || kind === 'bool' || kind === 'unknown';
}

function isBroken(classification: Classification, node: TableNode, fk: Constraint): boolean {
  return classification.brokenFks.has(`${node.key}:${fk.name}`);
}

function planFk(classification: Classification, node: TableNode, fk: Constraint, slots: Slot[], distinct: boolean): FkPlan {
  const slotOf = (name: string) => slots.findIndex((s) => s.column.name === name);
  const fkSlots = fk.columns.map(slotOf);
  const broken = isBroken(classification, node, fk);
  return {
    constraint: fk,
    parent: targetKey(fk),
    self: targetKey(fk) === node.key,
    slots: broken ? [] : fkSlots,
    parentColumns: fk.references!.columns,
    nullableSlots: fkSlots.filter((i) => i >= 0 && !slots[i]!.column.notNull && slots[i]!.source !== 'tenant'),
    distinct,
  };
}

/** An FK column is a canary column when the parent column is one and the parent is owned by the same tenant. */
function markFkCanaries(slots: Slot[], fks: FkPlan[], plans: Map<string, TablePlan>, node: TableNode): void {
  for (const fk of fks) {
    const parent = fk.self ? null : plans.get(fk.parent);
    fk.slots.forEach((slotIndex, i) => {
      const slot = slots[slotIndex];
      if (!slot || slot.source !== 'fk') return;
      const parentSlot = fk.self
        ? slots.find((s) => s.column.name === fk.parentColumns[i])
        : parent?.slots.find((s) => s.column.name === fk.parentColumns[i]);
      const sameOwner = node.role !== 'shared' && (fk.self || (parent != null && parent.node.role !== 'shared'));
      slot.canary = slot.canary || (sameOwner && (parentSlot?.canary ?? false));
      if (!slot.canary) slot.plainReason ??= `copied from ${fk.parent}.${fk.parentColumns[i]}`;
    });
  }
}

/** `schema.name` of the membership table when the tenancy subject is a user. */
export function membershipKey(tenancy: Tenancy): string | null {
  return tenancy.subject.kind === 'user' ? formatQualifiedName(tenancy.subject.membershipTable) : null;
}
