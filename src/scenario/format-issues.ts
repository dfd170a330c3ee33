import type * as z from 'zod';
import { closestMatch } from './suggest.ts';

/**
 * Turns zod issues into the problems a user reads: one line per field, `path: message`, in
 * the order the fields were checked. Unknown keys get a "did you mean"; a union that failed
 * because of one nested field (an app role object with a bad `login`) reports that field
 * rather than "invalid input".
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
};

const defOf = (schema: Schema): Def => schema._zod.def as unknown as Def;

/** `seed.rowsPerTable["public.invoices"]`, `schema[1]`, `tenancy.appRole.login`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/** Wrappers that do not change the shape of the value (optional, nullable, default, pipes). */
function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
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

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closestMatch(key, known);
  if (suggestion) return `unknown key, did you mean "${suggestion}"?`;
  return known.length > 0 ? `unknown key; known keys: ${known.join(', ')}` : 'unknown key';
}

/** True when a union branch failed only because the value is not of that branch's type. */
function isTypeMismatchOnly(issues: readonly Issue[]): boolean {
  return issues.every((issue) => issue.path.length === 0 && issue.code === 'invalid_type');
}

function collect(issues: readonly Issue[], prefix: readonly PropertyKey[], schema: Schema | undefined, out: Map<string, string>): void {
  const add = (path: readonly PropertyKey[], message: string) => {
    const key = formatPath(path);
    // One problem per field: the first issue is the most basic (type before range before file).
    if (!out.has(key)) out.set(key, message);
  };
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const at = schemaAt(schema, issue.path);
      const known = at ? objectsOf(at).flatMap((object) => Object.keys(object.shape ?? {})) : [];
      for (const key of issue.keys) add([...path, key], unknownKeyMessage(key, [...new Set(known)]));
    } else if (issue.code === 'invalid_union') {
      const informative = issue.errors.map((branch, index) => ({ branch, index })).filter(({ branch }) => !isTypeMismatchOnly(branch));
      const only = informative.length === 1 ? informative[0] : undefined;
      const options = schemaAt(schema, issue.path);
      const option = options ? defOf(unwrap(options)).options?.[only?.index ?? -1] : undefined;
      if (only) collect(only.branch, path, option, out);
      else add(path, issue.message);
    } else add(path, issue.message);
  }
}

/** One `path: message` line per invalid field; `scenario: ...` for the top-level value. */
export function formatIssues(issues: readonly Issue[], schema: Schema): string[] {
  const out = new Map<string, string>();
  collect(issues, [], schema, out);
  return [...out].map(([path, message]) => `${path || 'scenario'}: ${message}`);
}
