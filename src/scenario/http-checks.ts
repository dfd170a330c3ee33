import { formatQualifiedName, parseQualifiedName } from '../core/names.ts';
import { splitCommand } from './command-line.ts';
import type { HttpMethodName } from './http-types.ts';

/**
 * The checks of the `http` section that are more than a type: paths and their placeholders,
 * URLs, operation shorthands. Pure functions returning the problem's message (or undefined),
 * so `schema.ts` only wires them into the validator. Messages follow `schema.ts`:
 * `expected <what>, got <value>`.
 */

/** Methods an operation may use, in the order messages list them. */
export const httpMethods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const satisfies readonly HttpMethodName[];

/** The operations of a resource. */
export type OperationKind = 'list' | 'get' | 'create' | 'update' | 'delete';

/** Operations that act on one row, so their path must say which (`{id}`). */
const rowOperations: ReadonlySet<OperationKind> = new Set(['get', 'update', 'delete']);

/** A name a shell would accept as an environment variable. */
export const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An HTTP header name (an RFC 9110 token). */
export const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

const placeholderPattern = /\{([^{}]*)\}/g;
const placeholderList = '{id}, {tenant}, {user}, {marker} or {row.<column>}';

function isKnownPlaceholder(name: string): boolean {
  return ['id', 'tenant', 'user', 'marker'].includes(name) || /^row\.[^.\s]+$/.test(name);
}

/** What a path may hold: `{id}` required or forbidden, and whether placeholders are allowed at all. */
export interface PathRules {
  id?: 'required' | 'forbidden';
  placeholders: boolean;
}

/**
 * The problem with a path template, if any. `//host` is refused because it would leave the
 * app for another host; `:name` segments because they are the app's route pattern, which
 * the attacks cannot fill (the template says where the id goes with `{id}`).
 */
export function pathProblem(path: string, rules: PathRules): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return `expected a path starting with / (the host comes from baseUrl or start), got ${quoted(path)}`;
  if (!path.startsWith('/') || path.startsWith('//')) return `expected a path starting with a single /, got ${quoted(path)}`;
  if (/[\s#]/.test(path)) return `expected a path without blanks or #, got ${quoted(path)}`;
  const routeParameter = /\/:([A-Za-z_]\w*)/.exec(path);
  if (routeParameter) return `":${routeParameter[1]}" is a route pattern, not a placeholder; write {id} where the row's id goes`;
  const names = [...path.matchAll(placeholderPattern)].map((match) => match[1]!);
  if (!rules.placeholders && names.length > 0) return `expected a path without placeholders, got ${quoted(path)}`;
  const unknown = names.find((name) => !isKnownPlaceholder(name));
  if (unknown !== undefined) return `unknown placeholder {${unknown}}; use ${placeholderList}`;
  const hasId = names.includes('id');
  if (rules.id === 'required' && !hasId) return `expected a path with {id} where the row's id goes, got ${quoted(path)}`;
  if (rules.id === 'forbidden' && hasId) return `expected a path without {id} (it names no row), got ${quoted(path)}`;
  return undefined;
}

/** The path rules of one operation: row operations name their row, the others none. */
export function operationRules(kind: OperationKind): PathRules {
  return { id: rowOperations.has(kind) ? 'required' : 'forbidden', placeholders: true };
}

/** Reads (reports, search) name no row; health and readiness paths are fixed. */
export const readRules: PathRules = { id: 'forbidden', placeholders: true };
export const fixedPathRules: PathRules = { placeholders: false };

/** Parses the `"METHOD /path"` shorthand; undefined when it is not one. */
export function parseOperation(text: string): { method: HttpMethodName; path: string } | undefined {
  const match = /^\s*([A-Z]+)\s+(\S+)\s*$/.exec(text);
  const method = httpMethods.find((known) => known === match?.[1]);
  return method && match ? { method, path: match[2]! } : undefined;
}

/** The problem with a shorthand operation, if any. */
export function shorthandProblem(text: string, kind: OperationKind): string | undefined {
  const parsed = parseOperation(text);
  if (!parsed) return `expected "METHOD /path" with METHOD one of ${httpMethods.join(', ')}, or { method, path, body? }, got ${quoted(text)}`;
  return pathProblem(parsed.path, operationRules(kind));
}

/**
 * The problem with a base URL, if any. A URL with credentials is refused without echoing it:
 * the URL is printed in reports, and a password in it would go with it.
 */
export function baseUrlProblem(text: string): string | undefined {
  const shown = text.includes('@') ? 'a string' : quoted(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `expected an http(s) URL like http://127.0.0.1:3000, got ${shown}`;
  }
  if (url.username || url.password) return 'expected a URL without credentials (reports print it), got a URL with credentials; give them through http.auth';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `expected an http(s) URL like http://127.0.0.1:3000, got ${shown}`;
  // Route paths start with `/`; a prefix here would be dropped or doubled depending on how
  // URLs are joined, so it is written into the routes instead.
  if (url.search || url.hash || url.pathname !== '/') return `expected a URL with no path, query or fragment (write a path prefix into the routes), got ${shown}`;
  return undefined;
}

/** The problem with a header-auth value template: it must tell tenants apart. */
export function headerValueProblem(value: string): string | undefined {
  const names = [...value.matchAll(placeholderPattern)].map((match) => match[1]!);
  const unknown = names.find((name) => name !== 'tenant' && name !== 'user');
  if (unknown !== undefined) return `unknown placeholder {${unknown}}; use {tenant} or {user}`;
  if (names.length === 0) return `expected a template with {tenant} or {user} (one value for every tenant cannot tell them apart), got ${quoted(value)}`;
  return undefined;
}

/** The problem with one word of a start command: the database URL must not be an argument. */
export function commandWordProblem(word: string): string | undefined {
  // Arguments are visible to every user of the machine (ps); the environment is not.
  if (word.includes('{databaseUrl}')) return 'put {databaseUrl} in start.env, not in the command: arguments are visible to other users (ps)';
  return undefined;
}

/** The problem with an extra environment variable's name, if any. */
export function envNameProblem(name: string): string | undefined {
  if (name === 'PORT') return 'set by tenantguard (the port it picked); leave it out, or pass it on under another name with {port}';
  if (name === 'DATABASE_URL') return "set by tenantguard (the application role's connection string); leave it out, or pass it on under another name with {databaseUrl}";
  if (!envNamePattern.test(name)) return `expected an environment variable name (letters, digits, _), got ${quoted(name)}`;
  return undefined;
}

/** The problem with a start command written as one string, if any. */
export function commandProblem(text: string): string | undefined {
  const split = splitCommand(text);
  if (!split.ok) return split.problem;
  return split.argv.map(commandWordProblem).find((problem) => problem !== undefined);
}

/** A problem found across fields, at a path below the checked value. */
export interface FieldProblem {
  path: PropertyKey[];
  message: string;
}

/** `value` must hold exactly one of two fields (`a` and `b` begin with the field names). */
export function exactlyOne(value: Record<PropertyKey, unknown>, a: string, b: string): FieldProblem[] {
  const count = [a, b].filter((field) => value[field.split(' ')[0]!] !== undefined).length;
  return count === 1 ? [] : [{ path: [], message: `expected one of ${a} and ${b}, got ${count === 0 ? 'neither' : 'both'}` }];
}

const operationKinds: readonly OperationKind[] = ['list', 'get', 'create', 'update', 'delete'];

/** A resource with no operation gives the attacks nothing to send. */
export function missingOperation(resource: Record<PropertyKey, unknown>): FieldProblem[] {
  if (operationKinds.some((kind) => resource[kind] !== undefined)) return [];
  return [{ path: [], message: `expected at least one of ${operationKinds.join(', ')}` }];
}

/** Each table once: two descriptions of one table would split its routes between them. */
export function duplicateTables(list: unknown): FieldProblem[] {
  const seen = new Map<string, number>();
  const problems: FieldProblem[] = [];
  (Array.isArray(list) ? (list as unknown[]) : []).forEach((item, index) => {
    const table = (item as { table?: unknown } | null)?.table;
    let key: string;
    try {
      if (typeof table !== 'string') return;
      key = formatQualifiedName(parseQualifiedName(table));
    } catch {
      return; // a malformed name is reported by the table's own check
    }
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else problems.push({ path: [index, 'table'], message: `${key} is already described by resources[${first}]; describe each table once` });
  });
  return problems;
}

/** The problems with an environment's variable names. */
export function envNameProblems(env: Record<PropertyKey, unknown>): FieldProblem[] {
  return Object.keys(env).flatMap((name) => {
    const message = envNameProblem(name);
    return message ? [{ path: [name], message }] : [];
  });
}
