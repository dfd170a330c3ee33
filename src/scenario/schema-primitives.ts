import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import type { FieldProblem } from './http-checks.ts';

/**
 * The building blocks of the scenario validator (schema.ts): one way to say what a field
 * expects, and checks that need the file system or see across fields. Part of the validator,
 * so it knows zod too; nothing outside src/scenario imports it.
 */

/** How a bad value is shown: strings quoted and cut short, secrets only by their type. */
export function show(value: unknown, secret: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'an object';
  // A function's text is its whole source (from a .ts scenario): say what it is instead.
  if (typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  if (secret) return `a ${typeof value}`;
  if (typeof value === 'string') return JSON.stringify(cut(value, 60));
  if (typeof value === 'bigint') return `${cut(String(value), 60)}n`;
  return String(value);
}

/** `text` cut to `max` characters, with `...` when something was cut. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The error param shared by a field's type and its checks, so every failure reads the same. */
export function expected(what: string, options: { secret?: boolean } = {}) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? 'required' : `expected ${what}, got ${show(issue.input, options.secret ?? false)}`,
  };
}

export function wholeNumber(min: number, max: number) {
  const e = expected(`a whole number from ${min} to ${max}`);
  return z.number(e).int(e).min(min, e).max(max, e);
}

export function text(what: string, options: { secret?: boolean } = {}) {
  const e = expected(what, options);
  return z.string(e).min(1, e);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, expected(`one of ${values.join(', ')}`));
}

export const flag = z.boolean(expected('true or false'));

/** Postgres cuts names at 63 bytes (NAMEDATALEN - 1): a longer one can never match the catalog. */
export const fitsIdentifier = (name: string) => Buffer.byteLength(name, 'utf8') <= 63;

/** A column or role name, as the catalog can hold it. */
export function identifier(what: string) {
  return text(what).refine(fitsIdentifier, expected(`${what} of at most 63 bytes (Postgres cuts longer names)`));
}

/** A string that must match `pattern`; `what` is what the user should have written. */
export function matching(what: string, pattern: RegExp, options: { secret?: boolean } = {}) {
  return text(what, options).regex(pattern, expected(what, options));
}

/** One item, or a non-empty list of them: `schema: a.sql` and `schema: [a.sql, b.sql]`. */
export function oneOrMore(item: z.ZodString, what: string, plural: string) {
  return z.union([item, z.array(item, expected(`a list of ${plural}`)).min(1, expected(`at least one ${what}`))], expected(`a ${what} or a list of ${plural}`));
}

/**
 * An object of `value`s keyed by name (`rowsPerTable`, `claims`, `env`). A `__proto__` key is
 * refused by name: zod leaves it out of the parsed record (assigning it would replace the
 * prototype), so without this check a field the user wrote would vanish without a word.
 */
export function recordOf<V extends z.ZodType>(value: V, what: string) {
  const record = z.record(z.string(), value, expected(what));
  const noPrototypeKey = z.unknown().superRefine((input, ctx) => {
    if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__')) {
      ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'not allowed as a key (it would replace the object\'s prototype)', input });
    }
  });
  return noPrototypeKey.pipe(record);
}

/** A file that must exist, relative to the scenario's folder; empty strings are left to `text`. */
export function filePath(baseDir: string) {
  return text('a file path').refine((path) => path === '' || isKind(isAbsolute(path) ? path : resolve(baseDir, path), 'file'), {
    error: (issue) => `file not found: ${cut(String(issue.input), 200)}`,
  });
}

/** A folder that must exist, relative to the scenario's folder. */
export function directoryPath(baseDir: string) {
  return text('a folder path').refine((path) => path === '' || isKind(isAbsolute(path) ? path : resolve(baseDir, path), 'directory'), {
    error: (issue) => `folder not found: ${cut(String(issue.input), 200)}`,
  });
}

export function isKind(path: string, kind: 'file' | 'directory'): boolean {
  try {
    const info = statSync(path);
    return kind === 'file' ? info.isFile() : info.isDirectory();
  } catch {
    return false;
  }
}

/** Adds the problem `check` finds in a value of the right type, at the value's own path. */
export function checked<S extends z.ZodType>(schema: S, check: (value: z.output<S>) => string | undefined): S {
  return schema.superRefine((value, ctx) => {
    const message = check(value);
    if (message) ctx.addIssue({ code: 'custom', message, input: value });
  });
}

/**
 * A check across the fields of an object or the items of a list. Unlike `.refine`, it runs
 * even when a field is invalid, so its problem is reported with the others; so `check` sees
 * the value as written and must not trust the fields' types.
 */
export function across<T>(check: (value: Record<PropertyKey, unknown>) => FieldProblem[]) {
  return z.superRefine<T>(
    (value, ctx) => {
      for (const problem of check(value as Record<PropertyKey, unknown>)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );
}
