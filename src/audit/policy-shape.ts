import { constantValue, nameParts, nodeOf, walkAst } from '../catalog/ast.ts';
import type { CatalogSnapshot, ExpressionAst } from '../catalog/snapshot.ts';
import type { AuditContext } from './context.ts';
import type { ContextFunction, ContextInfo } from './policy-context.ts';

/**
 * The shape of a policy expression, read on its AST: where it reads the tenant context, and
 * how identity columns (the tenant column) are compared to it. The abstract evaluator
 * (policy-eval.ts) answers "is it TRUE for another tenant's row?"; these helpers answer the
 * structural questions it leaves open ("is the tenant column compared to the context at all,
 * and with what operator, through which functions?").
 */

/** What the shape helpers need besides the expression. */
export interface ShapeEnvironment {
  /** The scenario's tenant columns. */
  tenantColumns: readonly string[];
  /** Columns that identify the caller's rows: the tenant columns (and the user column when the context carries a user). */
  identityColumns: readonly string[];
  /** The context, with functions that read it through other context functions added. */
  context: ContextInfo;
  /**
   * True when a relation a sub-select reads is itself pinned to the tenant by its own row-level
   * security for the app role: `EXISTS (SELECT 1 FROM invoices ...)` is then constrained by the
   * invoices policies even without reading the context (see policy-scope.ts).
   */
  pinnedRelation?: (relation: { schema: string | null; name: string }) => boolean;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Adds functions that read the context only through another context function
 * (`app.tenant()` calling `auth.jwt()`), found by a textual scan of their bodies (function
 * bodies are not parsed). Each inherits the setting and missing_ok of the function it calls.
 */
export function expandContextFunctions(snapshot: CatalogSnapshot, info: ContextInfo): ContextInfo {
  const functions: ContextFunction[] = [...info.functions];
  const known = (schema: string, name: string) => functions.some((f) => f.schema === schema && f.name === name);
  for (let changed = true; changed; ) {
    changed = false;
    for (const fn of snapshot.functions) {
      if (known(fn.schema, fn.name)) continue;
      const callee = functions.find((f) => new RegExp(`(^|[^\\w$.])(${escape(f.schema)}\\s*\\.\\s*)?"?${escape(f.name)}"?\\s*\\(`, 'i').test(fn.source));
      if (!callee) continue;
      functions.push({ schema: fn.schema, name: fn.name, setting: callee.setting, missingOk: callee.missingOk });
      changed = true;
    }
  }
  return { settings: info.settings, functions };
}

/** The shape environment of an audit: tenant columns, the user column of a user-keyed context, and the expanded context. */
export function shapeEnvironment(context: AuditContext): ShapeEnvironment {
  const subject = context.tenancy.subject;
  const identityColumns = [...context.tenancy.tenantColumns, ...(subject.kind === 'user' ? [subject.userColumn] : [])];
  return { tenantColumns: context.tenancy.tenantColumns, identityColumns, context: expandContextFunctions(context.snapshot, context.context) };
}

/** A read of the tenant context: `current_setting('<setting>', ...)` or a call of a context function. */
export type ContextRead =
  | { kind: 'setting'; setting: string; missingOk: boolean; inSubquery: boolean }
  | { kind: 'function'; function: ContextFunction; inSubquery: boolean };

/** The context read a call performs, if it is one. */
function readOf(name: string[], args: unknown[], context: ContextInfo, inSubquery: boolean): ContextRead | null {
  const fn = (name[name.length - 1] ?? '').toLowerCase();
  if (fn === 'current_setting' && (name.length === 1 || name[0] === 'pg_catalog')) {
    const setting = constantValue(args[0]);
    if (typeof setting !== 'string' || !context.settings.has(setting)) return null;
    const flag = args.length > 1 ? constantValue(args[1]) : false;
    return { kind: 'setting', setting, missingOk: flag === true || flag === 't' || flag === 'true' || flag === 'on', inSubquery };
  }
  const reader = context.functions.find((f) => f.name === fn && (name.length === 1 || f.schema === name[0]));
  return reader ? { kind: 'function', function: reader, inSubquery } : null;
}

/** Every read of the tenant context in an expression, sub-selects included, in source order. */
export function contextReads(ast: ExpressionAst, context: ContextInfo): ContextRead[] {
  const reads: ContextRead[] = [];
  walkAst(ast, (node) => {
    if (node.kind !== 'FuncCall') return;
    const read = readOf(nameParts(node.fields.funcname), argsOf(node.fields), context, node.inSubquery);
    if (read) reads.push(read);
  });
  return reads;
}

/** True when the expression reads the tenant context anywhere (sub-selects and context functions included). */
export function readsContext(ast: ExpressionAst, context: ContextInfo): boolean {
  return contextReads(ast, context).length > 0;
}

/** True when the context can be recognised at all (a setting or a function that reads one is known). */
export function contextKnown(context: ContextInfo): boolean {
  return context.settings.size > 0 || context.functions.length > 0;
}

function argsOf(fields: Record<string, unknown>): unknown[] {
  return Array.isArray(fields.args) ? fields.args : [];
}

/** A step between a comparison and the column or context read it reaches: a cast, a function or an operator. */
export type Wrapper =
  | { kind: 'cast'; type: string; typmods: number[] }
  | { kind: 'function'; name: string; schema: string | null }
  | { kind: 'operator'; name: string };

/** A column reference: `m.tenant_id` is `{ qualifier: ['m'], name: 'tenant_id' }`. */
export interface ColumnName {
  qualifier: string[];
  name: string;
}

/** An operand of a comparison: the identity column and the context read it reaches, through which wrappers. */
export interface Operand {
  column: { ref: ColumnName; path: Wrapper[] } | null;
  context: { path: Wrapper[] } | null;
  /** True when the operand reads the context anywhere, sub-selects included. */
  readsContext: boolean;
}

const plainSelectKeys = new Set(['targetList', 'limitOption', 'op']);

/** The value of a plain scalar sub-select `(select <expr>)`, which Postgres evaluates once. */
export function scalarSubselectValue(fields: Record<string, unknown>): unknown {
  if (fields.subLinkType !== 'EXPR_SUBLINK') return undefined;
  const select = nodeOf(fields.subselect)?.fields;
  const targets = select?.targetList;
  if (!select || !Object.keys(select).every((k) => plainSelectKeys.has(k)) || !Array.isArray(targets) || targets.length !== 1) return undefined;
  return (nodeOf(targets[0])?.fields as { val?: unknown } | undefined)?.val;
}

/**
 * The wrappers from `ast` down to the first node `isTarget` accepts, descending through
 * casts, function arguments, operators, COALESCE/NULLIF and plain scalar sub-selects (but
 * not into other sub-selects: what a sub-select compares is its own business); null when
 * nothing is reached.
 */
export function pathTo(ast: unknown, isTarget: (node: { kind: string; fields: Record<string, unknown> }) => boolean): Wrapper[] | null {
  const node = nodeOf(ast);
  if (!node) return null;
  if (isTarget(node)) return [];
  const f = node.fields;
  const first = (children: unknown[], wrapper: Wrapper | null): Wrapper[] | null => {
    for (const child of children) {
      const path = pathTo(child, isTarget);
      if (path) return wrapper ? [wrapper, ...path] : path;
    }
    return null;
  };
  switch (node.kind) {
    case 'TypeCast': {
      const typeName = f.typeName as { names?: unknown; typmods?: unknown[] } | undefined;
      const names = nameParts(typeName?.names);
      const typmods = (typeName?.typmods ?? []).map((m) => constantValue(m)).filter((m): m is number => typeof m === 'number');
      return first([f.arg], { kind: 'cast', type: names[names.length - 1] ?? '', typmods });
    }
    case 'FuncCall': {
      const names = nameParts(f.funcname);
      return first(argsOf(f), { kind: 'function', name: (names[names.length - 1] ?? '').toLowerCase(), schema: names.length > 1 ? names[0]! : null });
    }
    case 'A_Expr': {
      const op = nameParts(f.name)[0] ?? '';
      return first([f.lexpr, f.rexpr], f.kind === 'AEXPR_NULLIF' ? null : { kind: 'operator', name: op });
    }
    case 'CoalesceExpr':
      return first(argsOf(f), null);
    case 'SubLink': {
      const value = scalarSubselectValue(f);
      return value === undefined ? null : first([value], null);
    }
    default:
      return null;
  }
}

/** Analyses one operand: which identity column and which context read it reaches. */
export function operandOf(ast: unknown, env: ShapeEnvironment): Operand {
  const found: { ref?: ColumnName } = {};
  const columnPath = pathTo(ast, (node) => {
    if (node.kind !== 'ColumnRef') return false;
    const parts = nameParts(node.fields.fields);
    const name = parts[parts.length - 1] ?? '';
    if (!env.identityColumns.includes(name)) return false;
    found.ref = { qualifier: parts.slice(0, -1), name };
    return true;
  });
  const contextPath = pathTo(ast, (node) => node.kind === 'FuncCall' && readOf(nameParts(node.fields.funcname), argsOf(node.fields), env.context, false) !== null);
  return {
    column: columnPath && found.ref ? { ref: found.ref, path: columnPath } : null,
    context: contextPath ? { path: contextPath } : null,
    readsContext: readsContext(ast, env.context),
  };
}
