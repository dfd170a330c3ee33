import type { CanaryCodec } from '../core/canary.ts';
import type { RowState } from './generators.ts';
import type { FkPlan, TablePlan } from './plan.ts';
import { makeRandom } from './pools.ts';

/**
 * Row generation for one table, as COPY text chunks. Rows are made group by group (a group is
 * a tenant, or -1 for shared rows); every foreign key copies all its columns from one parent
 * row of the same group, so composite keys stay consistent and a child never points at
 * another tenant's row. What later tables need (referenced tuples, manifest keys, users) is
 * recorded while the rows stream, and only kept once the server has accepted them.
 */

/** What a seeded table leaves for the tables after it and for the manifest. */
export interface TableData {
  /** Tuples of referenced column sets (key: columns joined by `,`) per group. */
  tuples: Map<string, Map<number, string[][]>>;
  /** Row keys per owner (tenant index, or -1 for shared rows). */
  keys: Map<number, string[][]>;
  /** Values of the membership table's user column per tenant. */
  users: Map<number, Set<string>>;
  rowCount: number;
  /** Why fewer rows than asked were made. */
  shortfalls: string[];
}

/** Inputs of {@link generateTable}. */
export interface GenerateInput {
  plan: TablePlan;
  codec: CanaryCodec;
  /** Canary counters per tenant, shared by the whole run so canaries are unique. */
  counters: number[];
  tenantIds: string[];
  rowsPerGroup: number;
  tableSeed: number;
  /** Data of the tables already seeded. */
  done: Map<string, TableData>;
  /** Column sets other tables (or this one) reference. */
  referencedSets: string[][];
  usersColumn: string | null;
  /** A run-unique prefix for plain (shared-row) UUIDs. */
  uuidTag: string;
}

const CHUNK_CHARS = 1 << 18;

/** Sets up the table's data record and returns the chunk generator that fills it. */
export function generateTable(input: GenerateInput): { data: TableData; chunks: Generator<string> } {
  const data: TableData = { tuples: new Map(), keys: new Map(), users: new Map(), rowCount: 0, shortfalls: [] };
  for (const set of input.referencedSets) data.tuples.set(set.join(','), new Map());
  return { data, chunks: rows(input, data) };
}

function* rows(input: GenerateInput, data: TableData): Generator<string> {
  const { plan, codec, counters, tenantIds } = input;
  const node = plan.node;
  const owned = node.role !== 'shared';
  const groups = owned || node.sliced ? tenantIds.map((_, i) => i) : [-1];
  const slotIndex = (name: string) => plan.slots.findIndex((s) => s.column.name === name);
  const refSets = input.referencedSets.map((cols) => ({ list: data.tuples.get(cols.join(','))!, slots: cols.map(slotIndex) }));
  const usersSlot = input.usersColumn ? slotIndex(input.usersColumn) : -1;
  const tenantSlots = plan.slots.map((s, i) => (s.source === 'tenant' ? i : -1)).filter((i) => i >= 0);
  const nullSlots = plan.slots.map((s, i) => (s.source === 'null' ? i : -1)).filter((i) => i >= 0);
  const outer = plan.fks.filter((fk) => !fk.self && fk.slots.length > 0);
  const selfFks = plan.fks.filter((fk) => fk.self && fk.slots.length > 0);
  const overlaps = overlapSlots(outer, tenantSlots);
  let uuidCounter = 0;
  const state: RowState = {
    owner: -1,
    ordinal: 0,
    groupRow: 0,
    raw: 0,
    nums: new Array<number>(plan.slots.length).fill(0),
    rand: makeRandom(input.tableSeed),
    token: () => codec.token(state.owner, counters[state.owner]!++),
    uuid: () => codec.uuid(state.owner, counters[state.owner]!++),
    plainUuid: () => `${input.uuidTag}-0000-4000-8000-${(++uuidCounter).toString(16).padStart(12, '0')}`,
  };
  let chunk = '';
  for (const g of groups) {
    state.owner = owned ? g : -1;
    const parents = outer.map((fk) => parentTuples(input.done, fk, g));
    let count = node.role === 'registry' ? 1 : Math.min(input.rowsPerGroup, plan.rowCap ?? Infinity);
    outer.forEach((fk, i) => {
      const nullable = fk.nullableSlots.length > 0;
      const available = parents[i]!.length;
      if (available === 0 && !nullable) count = 0;
      if (fk.distinct && available < count) count = available;
    });
    if (count < input.rowsPerGroup && node.role !== 'registry') noteShortfall(data, plan, g, count, input.rowsPerGroup, parents);
    const keys = getOrSet(data.keys, state.owner, () => []);
    const groupRefs = refSets.map((r) => getOrSet(r.list, g, () => []));
    const selfRefs = selfFks.map((fk) => groupRefs[input.referencedSets.findIndex((s) => s.join(',') === fk.parentColumns.join(','))]!);
    const users = usersSlot >= 0 ? getOrSet(data.users, g, () => new Set()) : null;
    const tenantId = g >= 0 ? tenantIds[g]! : '\\N';
    for (let r = 0; r < count; r++) {
      state.ordinal++;
      state.groupRow = r;
      const vals = new Array<string>(plan.slots.length);
      for (const i of tenantSlots) vals[i] = tenantId;
      for (const i of nullSlots) vals[i] = '\\N';
      for (let f = 0; f < outer.length; f++) assignParent(vals, outer[f]!, parents[f]!, overlaps[f]!, r, state.rand);
      for (const i of plan.generatedOrder) {
        vals[i] = plan.slots[i]!.generate!(state);
        state.nums[i] = state.raw;
      }
      for (let f = 0; f < selfFks.length; f++) assignSelf(vals, selfFks[f]!, selfRefs[f]!, plan, r, state.rand);
      for (let k = 0; k < refSets.length; k++) groupRefs[k]!.push(refSets[k]!.slots.map((i) => vals[i]!));
      keys.push(plan.keySlots.map((i) => vals[i]!));
      if (users) users.add(vals[usersSlot]!);
      chunk += vals.join('\t') + '\n';
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    data.rowCount += count;
  }
  if (chunk.length > 0) yield chunk;
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

/** The parent rows a row of group `g` may reference: same group, else shared rows, else any. */
function parentTuples(done: Map<string, TableData>, fk: FkPlan, g: number): string[][] {
  const byGroup = done.get(fk.parent)?.tuples.get(fk.parentColumns.join(','));
  if (!byGroup) return [];
  const own = byGroup.get(g) ?? byGroup.get(-1);
  if (own) return own;
  return [...byGroup.values()].flat();
}

/** For each FK, the positions (in its own column list) already set by an earlier FK. */
function overlapSlots(fks: FkPlan[], tenantSlots: number[]): number[][] {
  const assigned = new Set(tenantSlots);
  return fks.map((fk) => {
    const overlap = fk.slots.map((s, i) => (assigned.has(s) && !tenantSlots.includes(s) ? i : -1)).filter((i) => i >= 0);
    for (const s of fk.slots) assigned.add(s);
    return overlap;
  });
}

function assignParent(vals: string[], fk: FkPlan, parents: string[][], overlap: number[], r: number, rand: () => number): void {
  if (parents.length === 0) {
    for (const i of fk.nullableSlots) vals[i] = '\\N';
    return;
  }
  let index = fk.distinct ? r % parents.length : Math.floor(rand() * parents.length);
  if (overlap.length > 0) {
    // Another FK already chose some of these columns: find a parent that agrees with it.
    const start = index;
    const agrees = (t: string[]) => overlap.every((k) => t[k] === vals[fk.slots[k]!]);
    while (!agrees(parents[index]!)) {
      index = (index + 1) % parents.length;
      if (index === start) {
        for (const i of fk.nullableSlots) if (!overlap.some((k) => fk.slots[k] === i)) vals[i] = '\\N';
        return;
      }
    }
  }
  const tuple = parents[index]!;
  for (let k = 0; k < fk.slots.length; k++) vals[fk.slots[k]!] = tuple[k]!;
}

/** Self-references: the first row of a group is a root (NULL) or its own parent; later rows point back. */
function assignSelf(vals: string[], fk: FkPlan, earlier: string[][], plan: TablePlan, r: number, rand: () => number): void {
  const nullable = fk.nullableSlots.length > 0;
  // `earlier` already holds this row? No: tuples are pushed after the self FKs are set.
  if (r === 0 || (nullable && rand() < 0.25)) {
    if (nullable) for (const i of fk.nullableSlots) vals[i] = '\\N';
    else fk.parentColumns.forEach((c, k) => (vals[fk.slots[k]!] = vals[plan.slots.findIndex((s) => s.column.name === c)]!));
    return;
  }
  const tuple = earlier[Math.floor(rand() * Math.min(r, earlier.length))]!;
  for (let k = 0; k < fk.slots.length; k++) vals[fk.slots[k]!] = tuple[k]!;
}

function noteShortfall(data: TableData, plan: TablePlan, g: number, made: number, asked: number, parents: string[][][]): void {
  if (data.shortfalls.length > 0) return; // one note per table is enough; the counts show the rest
  const why = plan.rowCap !== null && made === plan.rowCap
    ? 'its unique keys allow no more'
    : plan.fks.some((fk, i) => fk.distinct && parents[i] !== undefined)
      ? 'a unique foreign key needs a distinct parent row for each row'
      : 'a NOT NULL foreign key has no parent rows in this group';
  data.shortfalls.push(`${made} of ${asked} rows per group (group ${g}): ${why}`);
}
