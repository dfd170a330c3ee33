import type { ColumnRules } from './checks.ts';
import { pick, slugify, type ValuePools } from './pools.ts';

/**
 * Realistic text around a canary token: `Acme Corp tg00a0001fk`,
 * `jane.doe.tg00a0001fk@example.test`, `acme-tg00a0001fk`. The style follows the column
 * name; a CHECK pattern or lower-case rule picks the first style whose values pass it.
 * Shared (unowned) rows get the same styles without a token, made unique by the row ordinal
 * when a unique constraint asks for it.
 */

/** Makes one text value: `token` is the canary (null for shared rows), `ordinal` the row number when uniqueness is needed. */
export type TextStyle = (rand: () => number, token: string | null, ordinal: number | null) => string;

/** Names of the styles, in the order tried when a pattern must match. */
const FALLBACK_ORDER = ['slug', 'token', 'word', 'email', 'code', 'url', 'sentence', 'person'] as const;

type StyleName = (typeof FALLBACK_ORDER)[number] | 'company' | 'product' | 'first' | 'last' | 'city' | 'country' | 'street' | 'job' | 'phone';

function join(prefix: string, sep: string, token: string | null, ordinal: number | null): string {
  if (token !== null) return prefix + sep + token;
  return ordinal !== null ? prefix + sep + ordinal : prefix;
}

function styles(p: ValuePools): Record<StyleName, TextStyle> {
  const local = (r: () => number) => `${slugify(pick(r, p.firstNames))}.${slugify(pick(r, p.lastNames))}`;
  return {
    slug: (r, t, o) => join(pick(r, p.slugs), '-', t, o),
    token: (r, t, o) => t ?? (o !== null ? `v${o.toString(36)}` : pick(r, p.slugs)),
    word: (r, t, o) => join(pick(r, p.words), ' ', t, o),
    email: (r, t, o) => `${join(local(r), '.', t, o)}@example.test`,
    code: (r, t, o) => join(pick(r, p.slugs).toUpperCase().slice(0, 6), '-', t, o),
    url: (r, t, o) => `https://example.test/${join(pick(r, p.slugs), '-', t, o)}`,
    sentence: (r, t, o) => join(pick(r, p.sentences), ' ', t, o),
    person: (r, t, o) => join(`${pick(r, p.firstNames)} ${pick(r, p.lastNames)}`, ' ', t, o),
    company: (r, t, o) => join(pick(r, p.companies), ' ', t, o),
    product: (r, t, o) => join(pick(r, p.products), ' ', t, o),
    first: (r, t, o) => join(pick(r, p.firstNames), ' ', t, o),
    last: (r, t, o) => join(pick(r, p.lastNames), ' ', t, o),
    city: (r, t, o) => join(pick(r, p.cities), ' ', t, o),
    country: (r, t, o) => join(pick(r, p.countries), ' ', t, o),
    street: (r, t, o) => join(pick(r, p.streets), ' ', t, o),
    job: (r, t, o) => join(pick(r, p.jobTitles), ' ', t, o),
    phone: (r, t, o) => join(`+1-555-${String(Math.floor(r() * 10000)).padStart(4, '0')}`, ' ', t, o),
  };
}

/** The style a column name suggests. */
function styleFor(column: string, table: string): StyleName {
  const c = column.toLowerCase();
  if (/e_?mail/.test(c)) return 'email';
  if (/slug|handle|username|login|subdomain/.test(c)) return 'slug';
  if (/url|website|link|href|domain/.test(c)) return 'url';
  if (/phone|mobile|fax/.test(c)) return 'phone';
  if (/first_?name|given/.test(c)) return 'first';
  if (/last_?name|surname|family/.test(c)) return 'last';
  if (/city/.test(c)) return 'city';
  if (/country/.test(c)) return 'country';
  if (/address|street/.test(c)) return 'street';
  if (/job|position|title_role/.test(c)) return 'job';
  if (/code|sku|ref|number|key|token/.test(c)) return 'code';
  if (/descr|body|content|note|comment|text|message|bio|summary|details/.test(c)) return 'sentence';
  if (/title|subject|headline|label/.test(c)) return 'product';
  if (/name/.test(c)) {
    const t = table.toLowerCase();
    if (/org|compan|tenant|account|customer|team|workspace|vendor|client/.test(t)) return 'company';
    if (/user|member|person|people|employee|contact|author|staff/.test(t)) return 'person';
    return 'product';
  }
  return 'word';
}

/** The text maker of a column: style by name, fitted to length and check rules; null when no style passes the checks. */
export function textMaker(
  pools: ValuePools,
  column: string,
  table: string,
  rules: ColumnRules | undefined,
  maxLength: number | null,
): TextStyle | null {
  const all = styles(pools);
  const max = Math.min(maxLength ?? Infinity, rules?.maxLength ?? Infinity);
  const min = rules?.minLength ?? 0;
  const lower = rules?.lowercase ?? false;
  const fit = (style: TextStyle): TextStyle => (r, t, o) => {
    let v = style(r, t, o);
    if (lower) v = v.toLowerCase();
    if (v.length > max) v = shorten(v, t, o, max);
    while (v.length < min) v += 'x';
    return v;
  };
  const first = styleFor(column, table);
  const order: StyleName[] = [first, ...FALLBACK_ORDER.filter((s) => s !== first)];
  const patterns = rules?.patterns ?? [];
  const sample = () => 0.5;
  for (const name of order) {
    const candidate = fit(all[name]);
    const probes = [candidate(sample, 'tg00a0001fk', 1), candidate(sample, null, 12345), candidate(sample, null, null)];
    if (probes.every((v) => patterns.every((p) => p.test(v)) && v.length <= max)) return candidate;
    if (patterns.length === 0) return null; // only lengths failed: the column is too short for any style
  }
  return null;
}

/** Cuts the realistic prefix so the token (or ordinal) still fits. */
function shorten(value: string, token: string | null, ordinal: number | null, max: number): string {
  const tail = token ?? (ordinal !== null ? ordinal.toString(36) : '');
  if (tail.length === 0) return value.slice(0, max).trimEnd();
  if (tail.length >= max) return tail.slice(tail.length - max);
  const room = max - tail.length - 1;
  return room > 0 ? `${value.slice(0, room).trimEnd()}-${tail}` : tail;
}
