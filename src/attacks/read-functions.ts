import type { Function as CatalogFunction } from '../catalog/snapshot.ts';
import { quoteLiteral } from '../db/quote.ts';

/**
 * Calling catalog functions as an attacker: their arguments parsed from
 * `pg_get_function_identity_arguments` text, values of the right type, and the call itself.
 * Type names come from the server's `format_type` output, which quotes what needs quoting, so
 * they go into casts as they are.
 */

/** One parameter: its mode and type (the name does not matter to a positional call). */
export interface Parameter {
  mode: 'in' | 'out' | 'inout' | 'variadic';
  type: string;
}

// Type names of more than one word (with optional precision and array brackets).
const multiWord = /^(double precision|character varying|bit varying|(timestamp|time)(\(\d+\))? with(out)? time zone|interval( \w+( to \w+)?)?)(\[\])*$/i;

/** Splits at top-level commas (outside quotes and parentheses). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (text.trim() !== '') parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/** Parses identity arguments (`p_id uuid, VARIADIC tags text[]`) into parameters. */
export function parseParameters(identityArguments: string): Parameter[] {
  return splitTopLevel(identityArguments).map((arg) => {
    let rest = arg;
    let mode: Parameter['mode'] = 'in';
    const m = /^(IN|OUT|INOUT|VARIADIC)\s+/i.exec(rest);
    if (m) {
      mode = m[1]!.toLowerCase() as Parameter['mode'];
      rest = rest.slice(m[0].length);
    }
    // Either `type` alone or `name type`: a lone word or a known multi-word type has no name.
    const words = rest.match(/"(?:[^"]|"")*"|\S+/g) ?? [];
    if (words.length <= 1 || multiWord.test(rest) || /^[\w.]+\(/.test(rest)) return { mode, type: rest };
    return { mode, type: rest.slice(rest.indexOf(words[0]!) + words[0]!.length).trim() };
  });
}

/** The kind of value a parameter type takes, or null when the probe cannot make one. */
export function valueKind(type: string): 'uuid' | 'text' | 'integer' | 'numeric' | 'boolean' | 'other' | null {
  const t = type.toLowerCase().replace(/^pg_catalog\./, '');
  if (/^(any\w*|internal|trigger|event_trigger|language_handler|fdw_handler|index_am_handler|tsm_handler|table_am_handler|cstring)$/.test(t)) return null;
  if (t === 'uuid') return 'uuid';
  if (/^(text|character varying|varchar|character|char|bpchar|name|citext)(\(\d+\))?$/.test(t)) return 'text';
  if (/^(bigint|integer|smallint|int[248]?)$/.test(t)) return 'integer';
  if (/^(numeric|decimal|real|double precision)/.test(t)) return 'numeric';
  if (t === 'boolean' || t === 'bool') return 'boolean';
  return 'other';
}

/** True when the probe can call the function: not a window function, every input of a type it can make, no trigger-like result. */
export function isCallable(fn: CatalogFunction): boolean {
  if (fn.kind === 'window' || fn.kind === 'aggregate') return false;
  if (/^(trigger|event_trigger|internal|language_handler|fdw_handler|index_am_handler|tsm_handler|table_am_handler)$/.test(fn.returns)) return false;
  return parseParameters(fn.arguments).every((p) => p.mode === 'out' || valueKind(p.type) !== null);
}

/** The candidates for one parameter from the values known of the victim (text forms); null stands for SQL NULL. */
export function candidatesFor(parameter: Parameter, values: readonly string[]): (string | null)[] {
  // A variadic parameter takes an array: one element of its element type (array-literal safe).
  if (parameter.mode === 'variadic') {
    return candidatesFor({ mode: 'in', type: parameter.type.replace(/\[\]$/, '') }, values.filter((v) => /^[\w-]+$/.test(v)));
  }
  const kind = valueKind(parameter.type);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (parameter.mode === 'out' || kind === null || kind === 'other') return [null];
  if (kind === 'uuid') return [...values.filter((v) => uuid.test(v)), null];
  if (kind === 'integer' || kind === 'numeric') return [...values.filter((v) => /^-?\d+$/.test(v)), '1', null];
  if (kind === 'boolean') return ['true', 'false', null];
  return [...values, null];
}

/** `'value'::type` or `NULL::type`. */
export function argumentSql(parameter: Parameter, value: string | null): string {
  const cast = parameter.mode === 'variadic' ? `VARIADIC ${value === null ? 'NULL' : quoteLiteral(`{${value}}`)}` : value === null ? 'NULL' : quoteLiteral(value);
  return `${cast}::${parameter.type}`;
}

/** The call: `CALL p(...)`, `SELECT * FROM f(...)` for set-returning functions, else `SELECT f(...) AS "result"`. */
export function callSql(fn: CatalogFunction, qualifiedName: string, args: readonly string[]): string {
  const call = `${qualifiedName}(${args.join(', ')})`;
  if (fn.kind === 'procedure') return `CALL ${call}`;
  if (/^(SETOF |TABLE\()/i.test(fn.returns) && !/^SETOF record$/i.test(fn.returns)) return `SELECT * FROM ${call}`;
  return `SELECT ${call} AS "result"`;
}
