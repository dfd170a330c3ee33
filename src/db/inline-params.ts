import pg from 'pg';

/**
 * Turns a parameterised statement into one with literals, so it can travel in a simple-protocol
 * message together with other statements (one round trip, one implicit transaction).
 *
 * `pg` sends parameters as text with an unspecified type; a quoted literal is an
 * unknown-typed constant, which Postgres resolves the same way, so `$1::uuid`, `limit $2`
 * and `coalesce($3, x)` mean exactly what they meant with parameters. Values are converted
 * by pg's own `prepareValue` (dates, arrays, JSON objects) and quoted by its `escapeLiteral`
 * (doubling quotes, `E''` with doubled backslashes), so the text does not depend on
 * `standard_conforming_strings`. A NUL cannot be sent in a simple query at all (the message
 * is a C string: the statement would be cut short), so a value with one is refused, as is a
 * binary buffer.
 *
 * `$n` is replaced only in SQL code: string literals, quoted identifiers, dollar-quoted
 * bodies and comments are copied as they are.
 */

/** A value that cannot be written as a literal. */
export class UninlinableParameterError extends Error {
  constructor(index: number, why: string) {
    super(`parameter $${index} cannot be inlined: ${why}`);
    this.name = 'UninlinableParameterError';
  }
}

/** pg's own conversion of a parameter value to text (exported at runtime, not in @types/pg). */
const { prepareValue } = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils;

/** The literal for one parameter value. */
export function literalOf(value: unknown, index = 1): string {
  if (value === null || value === undefined) return 'NULL';
  const prepared: unknown = prepareValue(value);
  if (prepared === null) return 'NULL';
  if (typeof prepared !== 'string') throw new UninlinableParameterError(index, 'binary values are not supported');
  if (prepared.includes('\0')) throw new UninlinableParameterError(index, 'it contains a NUL character');
  return pg.escapeLiteral(prepared);
}

const dollarTag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** The code of `sql` cut at its placeholders: text pieces, and parameter numbers in between. */
export function splitPlaceholders(sql: string): (string | number)[] {
  const pieces: (string | number)[] = [];
  let text = '';
  let i = 0;
  const special = /['"$/-]/g;
  while (i < sql.length) {
    special.lastIndex = i;
    const found = special.exec(sql);
    const at = found ? found.index : sql.length;
    text += sql.slice(i, at);
    i = at;
    if (!found) break;
    const end = skipAt(sql, i);
    if (end > i) {
      text += sql.slice(i, end);
      i = end;
      continue;
    }
    const digits = /^\$(\d+)/.exec(sql.slice(i, i + 12));
    if (digits && !/[\w$]/.test(sql[i - 1] ?? '')) {
      pieces.push(text, Number(digits[1]));
      text = '';
      i += digits[0].length;
    } else {
      text += sql[i];
      i++;
    }
  }
  pieces.push(text);
  return pieces;
}

/** Where the quoted text or comment starting at `i` ends; `i` itself when none starts there. */
function skipAt(sql: string, i: number): number {
  const c = sql[i]!;
  const next = sql[i + 1];
  if (c === "'" || c === '"') {
    // A doubled quote stays inside; E'' strings may also escape a quote with a backslash.
    const escapes = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
    let j = i + 1;
    while (j < sql.length) {
      if (escapes && sql[j] === '\\') j += 2;
      else if (sql[j] === c && sql[j + 1] === c) j += 2;
      else if (sql[j] === c) break;
      else j++;
    }
    return Math.min(sql.length, j + 1);
  }
  if (c === '-' && next === '-') {
    const end = sql.indexOf('\n', i);
    return end < 0 ? sql.length : end;
  }
  if (c === '/' && next === '*') {
    let depth = 0;
    let j = i;
    do {
      if (sql.startsWith('/*', j)) (depth++, (j += 2));
      else if (sql.startsWith('*/', j)) (depth--, (j += 2));
      else j++;
    } while (depth > 0 && j < sql.length);
    return j;
  }
  if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
    const tag = dollarTag.exec(sql.slice(i, i + 64))?.[0];
    if (!tag) return i;
    const end = sql.indexOf(tag, i + tag.length);
    return end < 0 ? sql.length : end + tag.length;
  }
  return i;
}

/**
 * Splits of statements seen before: route SQL is a fixed set of texts, so each is scanned once.
 * Bounded, so a caller that builds texts on the fly cannot grow it without end.
 */
export class PlaceholderCache {
  private readonly splits = new Map<string, (string | number)[]>();
  constructor(private readonly limit = 1000) {}

  /** `sql` with every `$n` in its code replaced by the literal of `params[n - 1]`. */
  inline(sql: string, params: readonly unknown[] = []): string {
    let pieces = this.splits.get(sql);
    if (!pieces) {
      pieces = splitPlaceholders(sql);
      if (this.splits.size >= this.limit) this.splits.clear();
      this.splits.set(sql, pieces);
    }
    let out = '';
    for (const piece of pieces) {
      if (typeof piece === 'string') {
        out += piece;
        continue;
      }
      if (piece < 1 || piece > params.length) throw new UninlinableParameterError(piece, `only ${params.length} value(s) given`);
      out += literalOf(params[piece - 1], piece);
    }
    return out;
  }
}

/** `sql` with every `$n` in its code replaced by the literal of `params[n - 1]` (no cache). */
export function inlineParameters(sql: string, params: readonly unknown[] = []): string {
  return new PlaceholderCache(1).inline(sql, params);
}
