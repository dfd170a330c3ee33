import type { ExpressionAst } from './snapshot.ts';

/**
 * Pure helpers over the JSON AST of libpg-query. A node is an object with exactly one key,
 * its kind (`FuncCall`, `ColumnRef`, `A_Const`, `SubLink`...), whose value holds its fields;
 * lists are plain arrays. The helpers walk any value generically, so they keep working when
 * a parser version adds fields, and never throw on odd input.
 */

/** A node seen during a walk. */
export interface VisitedNode {
  kind: string;
  fields: Record<string, unknown>;
  /** True when the node sits inside a sub-select (`EXISTS (...)`, `x IN (select ...)`). */
  inSubquery: boolean;
}

/** The kind and fields of a node, or null when `value` is not a node. */
export function nodeOf(value: unknown): { kind: string; fields: Record<string, unknown> } | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const kind = keys[0]!;
  const fields = (value as Record<string, unknown>)[kind];
  if (!/^[A-Z]/.test(kind) || !fields || typeof fields !== 'object' || Array.isArray(fields)) return null;
  return { kind, fields: fields as Record<string, unknown> };
}

/** Calls `visit` for every node under `ast` (itself included), depth first, in source order. */
export function walkAst(ast: ExpressionAst, visit: (node: VisitedNode) => void): void {
  const walk = (value: unknown, inSubquery: boolean): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, inSubquery);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const node = nodeOf(value);
    if (node) {
      visit({ ...node, inSubquery });
      for (const field of Object.values(node.fields)) walk(field, inSubquery || node.kind === 'SelectStmt');
      return;
    }
    for (const field of Object.values(value)) walk(field, inSubquery);
  };
  walk(ast, false);
}

/** The value of a constant node (`A_Const`, possibly under casts); `undefined` when not a constant. */
export function constantValue(value: unknown): string | number | boolean | null | undefined {
  const node = nodeOf(value);
  if (!node) return undefined;
  if (node.kind === 'TypeCast') return constantValue(node.fields.arg);
  if (node.kind !== 'A_Const') return undefined;
  const f = node.fields as {
    isnull?: boolean;
    sval?: { sval?: string };
    ival?: { ival?: number };
    fval?: { fval?: string };
    boolval?: { boolval?: boolean };
    bsval?: { bsval?: string };
  };
  if (f.isnull) return null;
  // The parser omits zero/false/empty defaults from the JSON: `{ ival: {} }` is 0.
  if (f.sval) return f.sval.sval ?? '';
  if (f.ival) return f.ival.ival ?? 0;
  if (f.fval) return Number(f.fval.fval);
  if (f.boolval) return f.boolval.boolval ?? false;
  if (f.bsval) return f.bsval.bsval ?? '';
  return undefined;
}

/** String parts of a name list (`[{ String: { sval } }]`), e.g. a function or column name. */
export function nameParts(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const parts: string[] = [];
  for (const item of list) {
    const node = nodeOf(item);
    if (node?.kind === 'String') parts.push(String(node.fields.sval ?? ''));
    else if (node?.kind === 'A_Star') parts.push('*');
  }
  return parts;
}

/** One argument of a function call: its constant value, or not a constant. */
export type CallArgument = { constant: true; value: string | number | boolean | null } | { constant: false; node: unknown };

/** A function call found in an expression. */
export interface FunctionCall {
  /** The name as written: `['current_setting']` or `['pg_catalog', 'current_setting']`. */
  name: string[];
  args: CallArgument[];
  inSubquery: boolean;
}

/**
 * Calls of the function `name` (matched on its last name part, so `pg_catalog.current_setting`
 * matches `current_setting`); all calls when `name` is omitted. Constant arguments are unwrapped
 * from casts, so the server's `'app.tenant_id'::text` reads as `'app.tenant_id'`.
 */
export function findFunctionCalls(ast: ExpressionAst, name?: string): FunctionCall[] {
  const calls: FunctionCall[] = [];
  walkAst(ast, (node) => {
    if (node.kind !== 'FuncCall') return;
    const parts = nameParts(node.fields.funcname);
    if (name !== undefined && parts[parts.length - 1] !== name.toLowerCase()) return;
    const rawArgs = Array.isArray(node.fields.args) ? node.fields.args : [];
    const args = rawArgs.map((arg): CallArgument => {
      const value = constantValue(arg);
      return value === undefined ? { constant: false, node: arg } : { constant: true, value };
    });
    calls.push({ name: parts, args, inSubquery: node.inSubquery });
  });
  return calls;
}

/** A column reference: `tenant_id` is `{ qualifier: [], name: 'tenant_id' }`, `m.user_id` has qualifier `['m']`. */
export interface ColumnReference {
  qualifier: string[];
  name: string;
  inSubquery: boolean;
}

/** Column references in source order (duplicates kept; `*` left out). */
export function referencedColumns(ast: ExpressionAst): ColumnReference[] {
  const refs: ColumnReference[] = [];
  walkAst(ast, (node) => {
    if (node.kind !== 'ColumnRef') return;
    const parts = nameParts(node.fields.fields);
    const name = parts[parts.length - 1];
    if (name === undefined || name === '*') return;
    refs.push({ qualifier: parts.slice(0, -1), name, inSubquery: node.inSubquery });
  });
  return refs;
}

/** Relations read by sub-selects of an expression (`schema` null when unqualified). */
export function referencedRelations(ast: ExpressionAst): { schema: string | null; name: string }[] {
  const relations: { schema: string | null; name: string }[] = [];
  walkAst(ast, (node) => {
    if (node.kind !== 'RangeVar') return;
    const { schemaname, relname } = node.fields as { schemaname?: string; relname?: string };
    if (relname) relations.push({ schema: schemaname ?? null, name: relname });
  });
  return relations;
}
