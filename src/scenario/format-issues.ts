import type * as z from 'zod';

/**
 * Turns zod issues into the problems a user reads: one line per field, `path: message`, in
 * the order the fields were checked. Unknown keys get a "did you mean" (the closest known key
 * by edit distance); a union that failed because of one nested field (an app role object
 * with a bad `login`) reports that field rather than "invalid input".
 */

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;
type Def = {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  element?: Schema;
  valueType?: Schema;
  options?: readonly Schema[];
  in?: Schema;
  out?: Schema;
};

const defOf = (schema: Schema): Def => schema._zod.def as unknown as Def;

/** Keys longer than this are cut in paths: a megabyte-long unknown key must not become a megabyte-long message. */
const longestKeyShown = 60;

/** `seed.rowsPerTable["public.invoices"]`, `schema[1]`, `tenancy.appRole.login`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    const key = String(segment);
    const shown = key.length > longestKeyShown ? `${key.slice(0, longestKeyShown - 3)}...` : key;
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(shown)) text += text ? `.${shown}` : shown;
    else text += `[${JSON.stringify(shown)}]`;
  }
  return text;
}

/** Wrappers that do not change the shape of the value (optional, nullable, default, pipes). */
function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    // A pipe from `unknown` is a check in front of the real schema (`recordOf`): look past it.
    const piped = def.in && defOf(def.in).type === 'unknown' ? def.out : def.in;
    const inner = def.innerType ?? (def.type === 'pipe' ? piped : undefined);
    if (!inner) return current;
    current = inner;
  }
}

/** Objects a schema may be: itself, or the object options of a union. */
function objectsOf(schema: Schema): Def[] {
  const def = defOf(unwrap(schema));
  if (def.type === 'object') return [def];
  if (def.type === 'union') return (def.options ?? []).flatMap(objectsOf);
  return [];
}

/** The schema that validated the value at `path` below `schema`, when it can be told. */
function schemaAt(schema: Schema | undefined, path: readonly PropertyKey[]): Schema | undefined {
  let current = schema;
  for (const segment of path) {
    if (!current) return undefined;
    const def = defOf(unwrap(current));
    if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else current = objectsOf(current).find((object) => object.shape && String(segment) in object.shape)?.shape?.[String(segment)];
  }
  return current;
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two strings. */
export function editDistance(a: string, b: string): number {
  // Optimal string alignment: a swap of two neighbours (`tenats` for `tenants` is a deletion,
  // but `teannts` is a swap) costs one edit, which matches how keys are usually mistyped.
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `word`, or undefined when none is close: at most a third of the
 * word's length in edits (at least one), compared case-insensitively so `AppRole` finds
 * `appRole`. Ties go to the earlier candidate, so results are stable.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skip hopeless candidates without
    // filling a matrix (a megabyte-long key would take seconds per candidate).
    if (Math.abs(word.length - candidate.length) > limit) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closestMatch(key, known);
  if (suggestion) return `unknown key, did you mean "${suggestion}"?`;
  return known.length > 0 ? `unknown key; known keys: ${known.join(', ')}` : 'unknown key';
}

/** True when a union branch failed only because the value is not of that branch's kind at all. */
function isTypeMismatchOnly(issues: readonly Issue[]): boolean {
  return issues.every((issue) => issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value'));
}

/** Problems found so far: the first `limit` fields with their messages, and how many fields in all. */
interface Found {
  shown: Map<string, string>;
  others: Set<string>;
  limit: number;
}

function collect(issues: readonly Issue[], prefix: readonly PropertyKey[], schema: Schema | undefined, out: Found): void {
  const add = (path: readonly PropertyKey[], message: string | (() => string)) => {
    const key = formatPath(path);
    // One problem per field: the first issue is the most basic (type before range before file).
    if (out.shown.has(key) || out.others.has(key)) return;
    // Past the limit only the count matters: the message (a "did you mean") is not computed.
    if (out.shown.size < out.limit) out.shown.set(key, typeof message === 'string' ? message : message());
    else out.others.add(key);
  };
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const at = schemaAt(schema, issue.path);
      const known = at ? objectsOf(at).flatMap((object) => Object.keys(object.shape ?? {})) : [];
      const unique = [...new Set(known)];
      for (const key of issue.keys) add([...path, key], () => unknownKeyMessage(key, unique));
    } else if (issue.code === 'invalid_union') {
      let informative = issue.errors.map((branch, index) => ({ branch, index })).filter(({ branch }) => !isTypeMismatchOnly(branch));
      // Of several object branches, the one whose keys the value uses: `context: { setting: [] }`
      // is a bad setting, not a statement object with an unknown key.
      const ownKeys = informative.filter(({ branch }) => !branch.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0));
      if (informative.length > 1 && ownKeys.length > 0) informative = ownKeys;
      const only = informative.length === 1 ? informative[0] : undefined;
      const options = schemaAt(schema, issue.path);
      const option = options ? defOf(unwrap(options)).options?.[only?.index ?? -1] : undefined;
      if (only) collect(only.branch, path, option, out);
      else add(path, issue.message);
    } else add(path, issue.message);
  }
}

/** The problems of {@link formatIssues}: the lines to show, and how many fields are invalid in all. */
export interface FormattedIssues {
  problems: string[];
  total: number;
}

/**
 * One `path: message` line per invalid field (`scenario: ...` for the top-level value), at
 * most `limit` of them, then one line counting the rest: a list of 100,000 bad items is a
 * mistake to see once, not a hundred thousand lines to scroll.
 */
export function formatIssues(issues: readonly Issue[], schema: Schema, limit = 50): FormattedIssues {
  const out: Found = { shown: new Map(), others: new Set(), limit };
  collect(issues, [], schema, out);
  const problems = [...out.shown].map(([path, message]) => `${path || 'scenario'}: ${message}`);
  if (out.others.size > 0) problems.push(`... and ${out.others.size} more invalid ${out.others.size === 1 ? 'field' : 'fields'} (fix these first)`);
  return { problems, total: out.shown.size + out.others.size };
}
