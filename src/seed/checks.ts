import type { Relation } from '../catalog/snapshot.ts';

/**
 * Reading CHECK constraints of simple shapes, so generated values satisfy them: IN lists
 * (`= ANY (ARRAY[...])`), bounds (`>=`, `>`, `<=`, `<`, BETWEEN, `<>`), lengths
 * (`char_length(col) <= n`), non-empty, lower-case, regular expressions, and `a < b` between
 * two columns. Works on `pg_get_constraintdef` text, which the server prints in one normalised
 * shape. Anything else is left to the server: if it rejects the rows, the seeder reports the
 * constraint by name rather than guessing.
 */

/** What the checks of one table say about one column. */
export interface ColumnRules {
  /** Allowed values (IN list, or `= 'x'`). */
  allowed?: string[];
  min?: number;
  minExclusive?: boolean;
  max?: number;
  maxExclusive?: boolean;
  /** Values that are not allowed (`<> x`). */
  excluded: string[];
  minLength?: number;
  maxLength?: number;
  lowercase?: boolean;
  /** Regular expressions (`~`, `~*`) the value must match. */
  patterns: RegExp[];
}

/** `a < b` (or `<=`) between two columns of a row. */
export interface ColumnOrder {
  lower: string;
  upper: string;
  orEqual: boolean;
}

/** The understood checks of a table. */
export interface TableRules {
  columns: Map<string, ColumnRules>;
  orders: ColumnOrder[];
  /** Checks not (fully) understood: the server will judge them. */
  unparsed: string[];
}

const CAST =
  /::(?:character varying|timestamp with(?:out)? time zone|time with(?:out)? time zone|double precision|bit varying|"[^"]+"|[a-z_][a-z0-9_]*)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?/gi;
const ATOM_PARENS = /(?<![a-z0-9_"])\((-?\d+(?:\.\d+)?|'(?:[^']|'')*'|"(?:[^"]|"")+"|[a-z_][a-z0-9_]*)\)/gi;
const IDENT = String.raw`("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)`;
const LITERAL = String.raw`(-?\d+(?:\.\d+)?|'(?:[^']|'')*')`;
const OP = String.raw`(>=|<=|<>|!=|=|>|<)`;

/** The rules of every CHECK constraint of a table, plus domain checks of its columns. */
export function tableRules(relation: Relation): TableRules {
  const rules: TableRules = { columns: new Map(), orders: [], unparsed: [] };
  for (const constraint of relation.constraints) {
    if (constraint.kind !== 'check') continue;
    if (!applyCheck(rules, constraint.definition, null)) rules.unparsed.push(constraint.name);
  }
  for (const column of relation.columns) {
    for (const check of column.domain?.checks ?? []) {
      if (!applyCheck(rules, check, column.name)) rules.unparsed.push(`domain check on ${column.name}`);
    }
  }
  return rules;
}

/** The rules of one column (empty when no check mentions it). */
export function rulesFor(rules: TableRules, column: string): ColumnRules {
  let found = rules.columns.get(column);
  if (!found) {
    found = { excluded: [], patterns: [] };
    rules.columns.set(column, found);
  }
  return found;
}

/** Applies one check definition; false when some part of it was not understood. */
function applyCheck(rules: TableRules, definition: string, valueColumn: string | null): boolean {
  let body = definition.replace(/\s+NOT VALID\s*$/i, '').trim();
  const m = /^CHECK\s*\(([\s\S]*)\)$/i.exec(body);
  if (m) body = m[1]!;
  body = normalise(body);
  let ok = true;
  for (const conjunct of splitTopLevel(body, 'AND')) {
    const disjuncts = splitTopLevel(conjunct, 'OR');
    // One satisfied disjunct satisfies the OR: use the first we understand that is not `IS NULL`.
    const usable = disjuncts.filter((d) => !/\bIS NULL$/i.test(d));
    const applied = usable.some((d) => applyAtom(rules, d, valueColumn));
    if (!applied) ok = false;
  }
  return ok;
}

function normalise(text: string): string {
  let s = text.replace(CAST, '');
  for (let previous = ''; previous !== s; ) {
    previous = s;
    s = s.replace(ATOM_PARENS, '$1');
  }
  return stripOuter(s.trim());
}

function stripOuter(text: string): string {
  let s = text;
  while (s.startsWith('(') && s.endsWith(')') && closingOf(s, 0) === s.length - 1) s = s.slice(1, -1).trim();
  return s;
}

function closingOf(s: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits on a keyword at parenthesis depth 0, outside quotes. */
function splitTopLevel(text: string, keyword: 'AND' | 'OR'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  const token = ` ${keyword} `;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && text.startsWith(token, i)) {
      parts.push(stripOuter(text.slice(start, i).trim()));
      start = i + token.length;
      i += token.length - 1;
    }
  }
  parts.push(stripOuter(text.slice(start).trim()));
  return parts;
}

function ident(text: string, valueColumn: string | null): string {
  const name = text.startsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text;
  return valueColumn !== null && name.toUpperCase() === 'VALUE' ? valueColumn : name;
}

function literal(text: string): string {
  return text.startsWith("'") ? text.slice(1, -1).replace(/''/g, "'") : text;
}

function parseList(text: string): string[] | null {
  const items = text.match(new RegExp(LITERAL, 'gi'));
  return items ? items.map(literal) : null;
}

function applyAtom(rules: TableRules, atom: string, vc: string | null): boolean {
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^${IDENT} = ANY \\(?ARRAY\\[(.*)\\]\\)?$`, 'i').exec(atom)) || (m = new RegExp(`^${IDENT} IN \\((.*)\\)$`, 'i').exec(atom))) {
    const list = parseList(m[2]!);
    if (!list) return false;
    rulesFor(rules, ident(m[1]!, vc)).allowed = list;
    return true;
  }
  if ((m = new RegExp(`^(?:char_length|character_length|length|octet_length)\\(${IDENT}\\) ${OP} (\\d+)$`, 'i').exec(atom))) {
    return applyBound(rulesFor(rules, ident(m[1]!, vc)), m[2]!, Number(m[3]), 'length');
  }
  if ((m = new RegExp(`^(?:btrim|trim)\\(${IDENT}\\) <> ''$`, 'i').exec(atom))) {
    rulesFor(rules, ident(m[1]!, vc)).minLength = Math.max(1, rulesFor(rules, ident(m[1]!, vc)).minLength ?? 0);
    return true;
  }
  if ((m = new RegExp(`^${IDENT} = lower\\(${IDENT}\\)$`, 'i').exec(atom)) || (m = new RegExp(`^lower\\(${IDENT}\\) = ${IDENT}$`, 'i').exec(atom))) {
    rulesFor(rules, ident(m[1]!, vc)).lowercase = true;
    return true;
  }
  if ((m = new RegExp(`^${IDENT} (~\\*?) ${LITERAL}$`, 'i').exec(atom))) {
    try {
      rulesFor(rules, ident(m[1]!, vc)).patterns.push(new RegExp(literal(m[3]!), m[2] === '~*' ? 'i' : ''));
      return true;
    } catch {
      return false;
    }
  }
  if ((m = new RegExp(`^${IDENT} ${OP} ${LITERAL}$`, 'i').exec(atom))) {
    return applyBound(rulesFor(rules, ident(m[1]!, vc)), m[2]!, literal(m[3]!), 'value');
  }
  if ((m = new RegExp(`^${LITERAL} ${OP} ${IDENT}$`, 'i').exec(atom))) {
    return applyBound(rulesFor(rules, ident(m[3]!, vc)), flip(m[2]!), literal(m[1]!), 'value');
  }
  if ((m = new RegExp(`^${IDENT} ${OP} ${IDENT}$`, 'i').exec(atom))) {
    const [a, op, b] = [ident(m[1]!, vc), m[2]!, ident(m[3]!, vc)];
    if (op === '<' || op === '<=') rules.orders.push({ lower: a, upper: b, orEqual: op === '<=' });
    else if (op === '>' || op === '>=') rules.orders.push({ lower: b, upper: a, orEqual: op === '>=' });
    // `a <> b`: distinct generated values already differ; `a = b` is not something we can aim for.
    else return op === '<>' || op === '!=';
    return true;
  }
  return /^\S+ IS NOT NULL$/i.test(atom);
}

function flip(op: string): string {
  return ({ '>': '<', '<': '>', '>=': '<=', '<=': '>=' } as Record<string, string>)[op] ?? op;
}

function applyBound(rules: ColumnRules, op: string, value: string | number, what: 'value' | 'length'): boolean {
  const n = Number(value);
  if (what === 'length') {
    if (op === '<=' || op === '<') rules.maxLength = Math.min(rules.maxLength ?? Infinity, op === '<' ? n - 1 : n);
    else if (op === '>=' || op === '>') rules.minLength = Math.max(rules.minLength ?? 0, op === '>' ? n + 1 : n);
    else if (op === '=') rules.minLength = rules.maxLength = n;
    else if (op === '<>' || op === '!=') {
      if (n === 0) rules.minLength = Math.max(1, rules.minLength ?? 0);
    } else return false;
    return true;
  }
  if (op === '=') rules.allowed = [String(value)];
  else if (op === '<>' || op === '!=') rules.excluded.push(String(value));
  else if (Number.isNaN(n)) return false;
  else if (op === '>=' || op === '>') {
    if (rules.min === undefined || n >= rules.min) [rules.min, rules.minExclusive] = [n, op === '>'];
  } else if (rules.max === undefined || n <= rules.max) [rules.max, rules.maxExclusive] = [n, op === '<'];
  return true;
}
