import type { ApiOperation, ApiResource, HttpMethod } from './api.ts';

/**
 * Filling the description's templates (api.ts): `{id}`, `{tenant}`, `{user}`, `{marker}` and
 * `{row.<column>}`. Values put into a path are URL-encoded (ids and markers are plain, but a
 * user's key may not be); values put into a JSON body are inserted as they are. A placeholder
 * with no value is an error, not an empty string: a request the description cannot make must
 * not be sent half-filled and then judged.
 */

/** The values one request fills in. */
export interface TemplateValues {
  tenant: string;
  user: string;
  id?: string;
  marker?: string;
  /** One of the acting tenant's rows of the resource, every column as text. */
  row?: Record<string, string> | null;
}

/** An operation with its templates filled: ready to send. `route` is the template, for findings. */
export interface FilledOperation {
  method: HttpMethod;
  path: string;
  body?: unknown;
  route: string;
}

const placeholder = /\{(id|tenant|user|marker|row\.[^{}\s]+)\}/g;

function valueOf(name: string, values: TemplateValues): string {
  const value = name.startsWith('row.') ? values.row?.[name.slice(4)] : values[name as 'id' | 'tenant' | 'user' | 'marker'];
  if (value === undefined) throw new Error(`the template placeholder {${name}} has no value here${name.startsWith('row.') ? ' (no such column, or the tenant has no row)' : ''}`);
  return value;
}

/** Fills one text template; `encode` is applied to every inserted value. */
export function fillText(template: string, values: TemplateValues, encode: (value: string) => string = (v) => v): string {
  return template.replace(placeholder, (_, name: string) => encode(valueOf(name, values)));
}

/** Fills a path template (values URL-encoded). */
export function fillPath(template: string, values: TemplateValues): string {
  return fillText(template, values, encodeURIComponent);
}

/** Fills every string of a JSON body template, keys untouched. */
export function fillBody(body: unknown, values: TemplateValues): unknown {
  if (typeof body === 'string') return fillText(body, values);
  if (Array.isArray(body)) return body.map((item) => fillBody(item, values));
  if (body && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, fillBody(v, values)]));
  return body;
}

/** True when a template (path, body or claims) uses `{name}` (e.g. `user`, `id`, `row.`). */
export function usesPlaceholder(template: unknown, name: string): boolean {
  const text = JSON.stringify(template ?? null);
  return name.endsWith('.') ? text.includes(`{${name}`) : text.includes(`{${name}}`);
}

/** Fills an operation: path and body (when it has one). */
export function fillOperation(op: ApiOperation, values: TemplateValues): FilledOperation {
  return { method: op.method, path: fillPath(op.path, values), ...(op.body !== undefined ? { body: fillBody(op.body, values) } : {}), route: `${op.method} ${op.path.split('?')[0]}` };
}

/** Appends one query parameter to a path that may already have a query string. */
export function withQueryParam(path: string, name: string, value: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The body of a create that repeats a unique value of an existing row: the resource's own
 * `createDuplicate`, else its create body with every top-level field named like a column of
 * `row` (as is, or camelCase → snake_case) set to `{row.<column>}`. Null when neither applies.
 */
export function duplicateBody(resource: ApiResource, row: Record<string, string> | null | undefined): unknown {
  if (resource.createDuplicate !== undefined) return resource.createDuplicate;
  const body = resource.create?.body;
  if (!row || !body || typeof body !== 'object' || Array.isArray(body)) return null;
  let matched = false;
  const out = Object.fromEntries(
    Object.entries(body).map(([field, value]) => {
      const column = field in row ? field : snake(field) in row ? snake(field) : null;
      if (column === null) return [field, value];
      matched = true;
      return [field, `{row.${column}}`];
    }),
  );
  return matched ? out : null;
}

/** Reads a dotted field (`id`, `data.id`) of a JSON answer as text; undefined when absent or not JSON. */
export function fieldOf(json: string, path: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  for (const part of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
