import { nameParts, nodeOf, walkAst } from '../catalog/ast.ts';
import type { CatalogSnapshot, Column, ExpressionAst, Relation } from '../catalog/snapshot.ts';
import { operandOf, readsContext, type ColumnName, type ShapeEnvironment, type Wrapper } from './policy-shape.ts';

/**
 * How identity columns (the tenant column) are compared to the tenant context, read on the
 * AST: the operator, and the casts and functions on either side. Plain equality of the
 * column with the context is the only comparison that pins one tenant; patterns, ranges and
 * functions that fold distinct ids together let one tenant's context match another's rows.
 */

/** The family of a comparison operator. */
export type ComparisonKind = 'equality' | 'inequality' | 'range' | 'pattern' | 'function';

/** An identity column compared to something that reads the tenant context. */
export interface IdentityComparison {
  /** As the server spells it: `=`, `~~` (LIKE), `~~*` (ILIKE), `~`, `<`, `starts_with`... */
  operator: string;
  kind: ComparisonKind;
  column: ColumnName;
  /** Casts and functions around the column, outermost first. */
  columnPath: Wrapper[];
  /** Casts and functions around the context read, when reached without a sub-select. */
  contextPath: Wrapper[] | null;
  /** True when the comparison sits inside a sub-select (`EXISTS (...)`). */
  inSubquery: boolean;
}

const patternOperators = new Set(['~~', '~~*', '!~~', '!~~*', '~', '~*', '!~', '!~*', '^@', '@@']);
const rangeOperators = new Set(['<', '>', '<=', '>=']);
/** Built-in functions that match one string against another (prefix, substring, pattern). */
const matcherFunctions = new Set(['starts_with', 'strpos', 'position', 'textlike', 'texticlike', 'textregexeq', 'texticregexeq', 'like', 'regexp_like', 'regexp_match', 'regexp_matches', 'regexp_count', 'regexp_instr', 'regexp_substr']);

function kindOf(operator: string): ComparisonKind | null {
  if (operator === '=') return 'equality';
  if (operator === '<>' || operator === '!=') return 'inequality';
  if (rangeOperators.has(operator)) return 'range';
  if (patternOperators.has(operator)) return 'pattern';
  return null;
}

/** The family of an `A_Expr` comparison (`negated`: under NOT, for IS DISTINCT FROM); null when it is not a comparison. */
export function comparisonKind(aKind: string, operator: string, negated: boolean): ComparisonKind | null {
  switch (aKind) {
    case 'AEXPR_OP':
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
    case 'AEXPR_IN':
      return kindOf(operator);
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE':
    case 'AEXPR_SIMILAR':
      return 'pattern';
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM':
      return 'range';
    case 'AEXPR_DISTINCT':
      return negated ? 'equality' : 'inequality';
    case 'AEXPR_NOT_DISTINCT':
      return 'equality';
    default:
      return null;
  }
}

/** Every comparison of an identity column with the tenant context, sub-selects included, in source order. */
export function identityComparisons(ast: ExpressionAst, env: ShapeEnvironment): IdentityComparison[] {
  const found: IdentityComparison[] = [];
  // `x IS NOT DISTINCT FROM y` is printed as `NOT (x IS DISTINCT FROM y)`: remember negated ones.
  const negated = new Set<unknown>();
  const pair = (left: unknown, right: unknown[], operator: string, kind: ComparisonKind, inSubquery: boolean) => {
    const l = operandOf(left, env);
    const rs = right.map((r) => operandOf(r, env));
    const rightReads = rs.some((r) => r.readsContext);
    if (l.column && !l.readsContext && rightReads) {
      found.push({ operator, kind, column: l.column.ref, columnPath: l.column.path, contextPath: rs.find((r) => r.context)?.context?.path ?? null, inSubquery });
    } else if (rs.length === 1 && rs[0]!.column && !rightReads && l.readsContext) {
      found.push({ operator, kind, column: rs[0]!.column.ref, columnPath: rs[0]!.column.path, contextPath: l.context?.path ?? null, inSubquery });
    }
  };
  walkAst(ast, (node) => {
    const f = node.fields;
    if (node.kind === 'BoolExpr' && f.boolop === 'NOT_EXPR' && Array.isArray(f.args)) {
      const inner = nodeOf(f.args[0]);
      if (inner?.kind === 'A_Expr' && inner.fields.kind === 'AEXPR_DISTINCT') negated.add(inner.fields);
    } else if (node.kind === 'A_Expr') {
      const operator = nameParts(f.name)[0] ?? '';
      const kind = comparisonKind(String(f.kind), operator, negated.has(f));
      if (!kind) return;
      const array = nodeOf(f.rexpr);
      const right = Array.isArray(f.rexpr) ? f.rexpr : array?.kind === 'A_ArrayExpr' ? ((array.fields.elements as unknown[]) ?? []) : [f.rexpr];
      pair(f.lexpr, right, operator, kind, node.inSubquery);
    } else if (node.kind === 'SubLink' && (f.subLinkType === 'ANY_SUBLINK' || f.subLinkType === 'ALL_SUBLINK')) {
      const l = operandOf(f.testexpr, env);
      const operator = nameParts(f.operName)[0] ?? '=';
      const kind = kindOf(operator);
      if (kind && l.column && !l.readsContext && readsContext(f.subselect, env.context)) {
        found.push({ operator, kind, column: l.column.ref, columnPath: l.column.path, contextPath: null, inSubquery: node.inSubquery });
      }
    } else if (node.kind === 'FuncCall') {
      const names = nameParts(f.funcname);
      const name = (names[names.length - 1] ?? '').toLowerCase();
      if (!matcherFunctions.has(name) || !Array.isArray(f.args) || f.args.length < 2) return;
      const [first, ...rest] = f.args as unknown[];
      pair(first, rest, name, 'function', node.inSubquery);
    }
  });
  return found;
}

/**
 * The column a reference names: the policy's own table for an unqualified reference or one
 * qualified with its name, otherwise the relation a sub-select reads under that alias.
 */
export function resolveColumn(snapshot: CatalogSnapshot, relation: Relation, ast: ExpressionAst, ref: ColumnName): Column | undefined {
  const qualifier = ref.qualifier[ref.qualifier.length - 1];
  if (qualifier === undefined || qualifier === relation.name) return relation.columns.find((c) => c.name === ref.name);
  let target: { schema: string | null; name: string } | undefined;
  walkAst(ast, (node) => {
    if (node.kind !== 'RangeVar' || target) return;
    const { schemaname, relname, alias } = node.fields as { schemaname?: string; relname?: string; alias?: { aliasname?: string } };
    if (relname && (alias?.aliasname ?? relname) === qualifier) target = { schema: schemaname ?? null, name: relname };
  });
  const found = target;
  if (!found) return undefined;
  const other = snapshot.relations.find((r) => r.name === found.name && (found.schema === null ? r.schema === relation.schema || r.schema === 'public' : r.schema === found.schema));
  return other?.columns.find((c) => c.name === ref.name);
}

/** A wrapper that makes distinct ids compare equal, and why. */
export interface Collision {
  wrapper: Wrapper;
  why: string;
}

const caseFolding = new Set(['lower', 'upper', 'initcap', 'btrim', 'ltrim', 'rtrim', 'trim', 'unaccent', 'normalize']);
const truncating = new Set(['left', 'right', 'substr', 'substring', 'split_part', 'overlay', 'replace', 'translate', 'regexp_replace', 'regexp_substr', 'mod', 'div', 'round', 'trunc', 'floor', 'ceil', 'ceiling']);
// 32- and 64-bit hashes collide in practice; a cryptographic digest (md5, sha256) does not.
const hashing = new Set(['hashtext', 'hashtextextended', 'hashint2', 'hashint4', 'hashint8', 'hashint8extended', 'hash_numeric', 'uuid_hash', 'uuid_hash_extended', 'hashbpchar', 'hashvarlena', 'crc32', 'crc32c']);
const collidingOperators = new Set(['%', '/', '&', '|', '#', '>>', '<<']);
const numericTypes = new Set(['int2', 'int4', 'int8', 'smallint', 'integer', 'bigint', 'numeric', 'decimal', 'float4', 'float8', 'real', 'double precision', 'money']);
const truncatingTypes = new Set(['varchar', 'bpchar', 'char', 'character', 'bit', 'varbit', 'numeric', 'decimal']);

/**
 * The wrappers of an equality comparison that fold distinct ids together: case folding or
 * trimming of a string id, truncation (left, substr, varchar(n)), 32/64-bit hashing, modulo,
 * floating point, a string id read as a number. Judged around the column; around the context
 * only case folding counts (`tenant_id = lower(<context>)` lets tenant 'Acme' read tenant
 * 'acme'), since taking part of the context is how a tenant id is extracted from a
 * structured one (`split_part`, `->>`).
 */
export function collisions(comparison: IdentityComparison, column: Column | undefined): Collision[] {
  const stringId = column?.typeCategory === 'S';
  const found: Collision[] = [];
  for (const wrapper of comparison.contextPath ?? []) {
    if (wrapper.kind === 'function' && caseFolding.has(wrapper.name) && stringId) found.push({ wrapper, why: `${wrapper.name}() makes ids that differ only in case or spacing equal` });
  }
  for (const wrapper of comparison.columnPath) {
    if (wrapper.kind === 'function' && caseFolding.has(wrapper.name) && stringId) found.push({ wrapper, why: `${wrapper.name}() makes ids that differ only in case or spacing equal` });
    else if (wrapper.kind === 'function' && truncating.has(wrapper.name)) found.push({ wrapper, why: `${wrapper.name}() compares part of the id, so ids sharing that part are equal` });
    else if (wrapper.kind === 'function' && hashing.has(wrapper.name)) found.push({ wrapper, why: `${wrapper.name}() is a short hash: distinct ids collide` });
    else if (wrapper.kind === 'operator' && collidingOperators.has(wrapper.name)) found.push({ wrapper, why: `the ${wrapper.name} operator maps many ids to one value` });
    else if (wrapper.kind === 'cast' && truncatingTypes.has(wrapper.type) && wrapper.typmods.length > 0) found.push({ wrapper, why: `the cast to ${wrapper.type}(${wrapper.typmods.join(',')}) truncates or rounds the id` });
    else if (wrapper.kind === 'cast' && wrapper.type === 'char' && wrapper.typmods.length === 0) found.push({ wrapper, why: 'the cast to "char" keeps one byte of the id' });
    else if (wrapper.kind === 'cast' && ['float4', 'float8', 'real'].includes(wrapper.type)) found.push({ wrapper, why: `the cast to ${wrapper.type} loses precision: large ids become equal` });
    else if (wrapper.kind === 'cast' && numericTypes.has(wrapper.type) && stringId) found.push({ wrapper, why: `reading a text id as ${wrapper.type} makes '01' and '1' the same tenant` });
    else if (wrapper.kind === 'cast' && ['int2', 'int4', 'int8'].includes(wrapper.type) && column && ['numeric', 'float4', 'float8'].includes(column.typeName)) found.push({ wrapper, why: `the cast of a ${column.typeName} id to ${wrapper.type} rounds it` });
  }
  return found;
}
