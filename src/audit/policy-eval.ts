import { constantValue, nameParts, nodeOf } from '../catalog/ast.ts';
import type { ExpressionAst } from '../catalog/snapshot.ts';
import type { ContextInfo } from './policy-context.ts';

/**
 * A small abstract interpreter for policy expressions. Rather than matching strings, it
 * evaluates the parsed expression under a situation of the tenant context and asks whether
 * the result is TRUE for a row that does not belong to the caller:
 *
 * - `unset`: the setting was never set in this session (`current_setting(x, true)` is NULL);
 * - `empty`: a pooled connection after the transaction that set it (`''`, not NULL);
 * - `other-tenant`: the context names tenant A, the row's tenant column holds tenant B.
 *
 * Values are abstract (NULL, a constant, "the context", "a row column", "another tenant's id",
 * unknown), and logic is three-valued plus `unknown` for what cannot be decided statically.
 * Only a definite TRUE is evidence; anything undecidable is left to the live attacks.
 */
export type Situation = 'unset' | 'empty' | 'other-tenant';

/** Three-valued logic, plus an error (the statement fails: denial, not a leak) and unknown. */
export type Truth = 'true' | 'false' | 'null' | 'error' | 'unknown';

type Value =
  | { k: 'null' }
  | { k: 'const'; v: string | number | boolean }
  | { k: 'ctx' }
  | { k: 'col'; name: string }
  | { k: 'foreign' }
  | { k: 'bool'; t: Truth }
  | { k: 'error' }
  | { k: 'unknown' };

/** What the interpreter needs to know besides the expression. */
export interface EvalEnvironment {
  tenantColumns: readonly string[];
  context: ContextInfo;
  situation: Situation;
}

const NULL: Value = { k: 'null' };
const UNKNOWN: Value = { k: 'unknown' };
const ERROR: Value = { k: 'error' };
const bool = (t: Truth): Value => ({ k: 'bool', t });
const strictTypes = /^(uuid|int2|int4|int8|smallint|integer|bigint|numeric|float4|float8|bool|boolean|date|timestamptz|timestamp)$/;

/** The truth of `ast` in the situation; `unknown` when it cannot be decided statically. */
export function evaluate(ast: ExpressionAst, env: EvalEnvironment): Truth {
  return truthOf(value(ast, env));
}

function truthOf(v: Value): Truth {
  if (v.k === 'bool') return v.t;
  if (v.k === 'null') return 'null';
  if (v.k === 'error') return 'error';
  if (v.k === 'const' && typeof v.v === 'boolean') return v.v ? 'true' : 'false';
  return 'unknown';
}

const nonNull = (v: Value) => v.k === 'const' || v.k === 'ctx' || v.k === 'col' || v.k === 'foreign';

function equal(a: Value, b: Value): Value {
  if (a.k === 'error' || b.k === 'error') return ERROR;
  if (a.k === 'null' || b.k === 'null') return NULL;
  if (a.k === 'const' && b.k === 'const') return bool(String(a.v) === String(b.v) ? 'true' : 'false');
  if ((a.k === 'ctx' && b.k === 'foreign') || (a.k === 'foreign' && b.k === 'ctx')) return bool('false');
  if (a.k === 'ctx' && b.k === 'ctx') return bool('true');
  // The context, when set, is a real tenant (or user) id: never the empty string.
  if ((a.k === 'ctx' && b.k === 'const' && b.v === '') || (b.k === 'ctx' && a.k === 'const' && a.v === '')) return bool('false');
  if (a.k === 'foreign' && b.k === 'foreign') return bool('true');
  if (a.k === 'col' && b.k === 'col' && a.name === b.name) return bool('true');
  return UNKNOWN;
}

function not(v: Value): Value {
  const t = truthOf(v);
  if (t === 'true') return bool('false');
  if (t === 'false') return bool('true');
  return v.k === 'bool' ? v : t === 'null' ? NULL : t === 'error' ? ERROR : UNKNOWN;
}

function and(values: Value[]): Value {
  const ts = values.map(truthOf);
  if (ts.includes('false')) return bool('false');
  if (ts.includes('error')) return ERROR;
  if (ts.includes('unknown')) return UNKNOWN;
  if (ts.includes('null')) return NULL;
  return bool('true');
}

function or(values: Value[]): Value {
  const ts = values.map(truthOf);
  if (ts.includes('true')) return bool('true');
  if (ts.includes('error')) return ERROR;
  if (ts.includes('unknown')) return UNKNOWN;
  if (ts.includes('null')) return NULL;
  return bool('false');
}

function cast(v: Value, type: string): Value {
  if (v.k === 'const' && typeof v.v === 'string' && strictTypes.test(type)) {
    // '' (a reset setting) does not parse as a uuid or a number: the statement fails.
    if (v.v === '' || (type === 'uuid' && !/^[0-9a-f-]{32,36}$/i.test(v.v))) return ERROR;
  }
  return v;
}

function contextRead(setting: string, missingOk: boolean, env: EvalEnvironment): Value {
  if (!env.context.settings.has(setting)) return UNKNOWN;
  if (env.situation === 'unset') return missingOk ? NULL : ERROR;
  if (env.situation === 'empty') return { k: 'const', v: '' };
  return { k: 'ctx' };
}

function call(name: string[], args: unknown[], env: EvalEnvironment): Value {
  const fn = name[name.length - 1]!.toLowerCase();
  const values = () => args.map((a) => value(a, env));
  if (fn === 'current_setting' && (name.length === 1 || name[0] === 'pg_catalog')) {
    const setting = constantValue(args[0]);
    const missingOk = args.length > 1 ? constantValue(args[1]) : false;
    if (typeof setting !== 'string') return UNKNOWN;
    return contextRead(setting, missingOk === true || missingOk === 't' || missingOk === 'true', env);
  }
  const reader = env.context.functions.find((f) => f.name === fn && (name.length === 1 || f.schema === name[0]));
  if (reader) {
    // We do not interpret the body: a reset ('') setting may turn into NULL, an error or ''.
    if (env.situation === 'empty') return UNKNOWN;
    return contextRead(reader.setting, reader.missingOk, env);
  }
  if (['lower', 'upper', 'btrim', 'trim'].includes(fn) && args.length === 1) return values()[0]!;
  if (fn === 'coalesce') return coalesce(values());
  return values().some((v) => v.k === 'error') ? ERROR : UNKNOWN;
}

function coalesce(values: Value[]): Value {
  for (const v of values) {
    if (v.k === 'null') continue;
    if (v.k === 'error' || nonNull(v) || v.k === 'bool') return v;
    return UNKNOWN;
  }
  return NULL;
}

function operator(kind: string, op: string, left: Value, rightNode: unknown, env: EvalEnvironment): Value {
  if (kind === 'AEXPR_IN' || kind === 'AEXPR_OP_ANY') {
    const list = nodeOf(rightNode);
    const items = Array.isArray(rightNode) ? rightNode : list?.kind === 'A_ArrayExpr' ? ((list.fields.elements as unknown[]) ?? []) : null;
    if (!items || op !== '=') return UNKNOWN;
    return or(items.map((item) => equal(left, value(item, env))));
  }
  const right = value(rightNode, env);
  switch (kind) {
    case 'AEXPR_OP':
      if (op === '=') return equal(left, right);
      if (op === '<>' || op === '!=') return not(equal(left, right));
      break;
    case 'AEXPR_NULLIF': {
      const same = truthOf(equal(left, right));
      return same === 'true' ? NULL : same === 'false' || same === 'null' ? left : UNKNOWN;
    }
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT': {
      const same = left.k === 'null' && right.k === 'null' ? bool('true') : left.k === 'null' || right.k === 'null' ? (nonNull(left) || nonNull(right) ? bool('false') : UNKNOWN) : equal(left, right);
      return kind === 'AEXPR_DISTINCT' ? not(same) : same;
    }
  }
  if (left.k === 'error' || right.k === 'error') return ERROR;
  if (left.k === 'null' || right.k === 'null') return NULL;
  return UNKNOWN;
}

function value(ast: unknown, env: EvalEnvironment): Value {
  const node = nodeOf(ast);
  if (!node) return UNKNOWN;
  const f = node.fields;
  switch (node.kind) {
    case 'A_Const': {
      const v = constantValue(ast);
      return v === undefined ? UNKNOWN : v === null ? NULL : { k: 'const', v };
    }
    case 'ColumnRef': {
      const parts = nameParts(f.fields);
      const name = parts[parts.length - 1] ?? '';
      if (env.tenantColumns.includes(name) && env.situation === 'other-tenant') return { k: 'foreign' };
      return { k: 'col', name };
    }
    case 'TypeCast': {
      const names = nameParts((f.typeName as { names?: unknown })?.names);
      return cast(value(f.arg, env), names[names.length - 1] ?? '');
    }
    case 'FuncCall':
      return call(nameParts(f.funcname), Array.isArray(f.args) ? f.args : [], env);
    case 'CoalesceExpr':
      return coalesce((Array.isArray(f.args) ? f.args : []).map((a) => value(a, env)));
    case 'BoolExpr': {
      const args = (Array.isArray(f.args) ? f.args : []).map((a) => value(a, env));
      if (f.boolop === 'AND_EXPR') return and(args);
      if (f.boolop === 'OR_EXPR') return or(args);
      return not(args[0] ?? UNKNOWN);
    }
    case 'NullTest': {
      const v = value(f.arg, env);
      const isNull: Value = v.k === 'null' ? bool('true') : v.k === 'error' ? ERROR : nonNull(v) ? bool('false') : UNKNOWN;
      return f.nulltesttype === 'IS_NOT_NULL' ? not(isNull) : isNull;
    }
    case 'A_Expr': {
      const op = nameParts(f.name)[0] ?? '';
      return operator(String(f.kind), op, value(f.lexpr, env), f.rexpr, env);
    }
    case 'SubLink': {
      // `(select <expr>)` with nothing else is the expression, evaluated once: look inside.
      const select = nodeOf(f.subselect)?.fields;
      const targets = select?.targetList;
      const plain = select && Object.keys(select).every((k) => ['targetList', 'limitOption', 'op'].includes(k));
      if (f.subLinkType === 'EXPR_SUBLINK' && plain && Array.isArray(targets) && targets.length === 1) {
        return value((nodeOf(targets[0])?.fields as { val?: unknown } | undefined)?.val, env);
      }
      return UNKNOWN;
    }
    default:
      return UNKNOWN;
  }
}
