import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { severities, type Severity } from '../core/check.ts';
import { parseQualifiedName } from '../core/names.ts';
import { formatIssues } from './format-issues.ts';
import type { ScenarioInput } from './types.ts';

/**
 * The scenario validator, and the only place that knows zod (DESIGN §2). Messages read
 * `expected <what>, got <value>` or `required`; `format-issues.ts` adds the paths.
 */

/** The limits a scenario's numbers must respect. */
export const scenarioLimits = {
  tenants: { min: 1, max: 10_000 },
  rowsPerTable: { min: 0, max: 1_000_000 },
  seed: { min: 0, max: 0x7fffffff },
  runs: { min: 1, max: 10_000_000 },
  timeBudgetSeconds: { max: 86_400 },
} as const;

/** How a bad value is shown: strings quoted and cut short, secrets only by their type. */
function show(value: unknown, secret: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'an object';
  if (secret) return `a ${typeof value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** The error param shared by a field's type and its checks, so every failure reads the same. */
function expected(what: string, options: { secret?: boolean } = {}) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? 'required' : `expected ${what}, got ${show(issue.input, options.secret ?? false)}`,
  };
}

function wholeNumber(min: number, max: number) {
  const e = expected(`a whole number from ${min} to ${max}`);
  return z.number(e).int(e).min(min, e).max(max, e);
}

function text(what: string, options: { secret?: boolean } = {}) {
  const e = expected(what, options);
  return z.string(e).min(1, e);
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, expected(`one of ${values.join(', ')}`));
}

const flag = z.boolean(expected('true or false'));

/** A file that must exist, relative to the scenario's folder; empty strings are left to `text`. */
function filePath(baseDir: string) {
  return text('a file path').refine((path) => path === '' || isFile(isAbsolute(path) ? path : resolve(baseDir, path)), {
    error: (issue) => `file not found: ${String(issue.input)}`,
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function fileList(baseDir: string) {
  return z.union([filePath(baseDir), z.array(filePath(baseDir), expected('a list of file paths')).min(1, expected('at least one file path'))], expected('a file path or a list of file paths'));
}

const tableName = text('a table name like schema.table').refine(
  (name) => {
    try {
      const parsed = parseQualifiedName(name);
      return parsed.schema !== '' && parsed.name !== '';
    } catch {
      return false;
    }
  },
  expected('a table name like schema.table'),
);

const appRole = z.union(
  [
    text('a role name'),
    z
      .strictObject(
        { name: text('a role name'), password: text('a password', { secret: true }).optional(), login: oneOf(['password', 'set-role']).optional() },
        expected('an object'),
      )
      .refine((role) => role.login !== 'password' || role.password !== undefined, { path: ['password'], error: 'required when login is "password"' }),
  ],
  expected('a role name or { name, password?, login? }'),
);

const context = z.union(
  [
    z.strictObject({ setting: text('a setting name like app.tenant_id').regex(/^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)+$/, expected('a setting name like app.tenant_id')) }),
    z.strictObject({ statement: text('SQL with $1 for the value').regex(/\$1(?!\d)/, expected('SQL with $1 for the value')) }),
  ],
  expected('{ setting: "app.tenant_id" } or { statement: "select ... $1 ..." }'),
);

const subject = z.union(
  [
    z.literal('tenant', expected('"tenant"')),
    z.strictObject({ membershipTable: tableName, userColumn: text('a column name'), tenantColumn: text('a column name').optional() }),
  ],
  expected('"tenant" or { membershipTable, userColumn, tenantColumn? }'),
);

/**
 * The validator of a scenario as written. Schema and seed files are checked to exist,
 * relative to `baseDir` (the scenario file's folder).
 */
export function scenarioInputSchema(baseDir: string) {
  const names = z.union([text('a column name'), z.array(text('a column name'), expected('a list of column names')).min(1, expected('at least one column name'))], expected('a column name or a list of column names'));
  const rows = z.union([wholeNumber(scenarioLimits.rowsPerTable.min, scenarioLimits.rowsPerTable.max), z.record(z.string(), wholeNumber(scenarioLimits.rowsPerTable.min, scenarioLimits.rowsPerTable.max), expected('an object'))], expected(`a whole number from 0 to ${scenarioLimits.rowsPerTable.max} or { table: rows }`));
  const object = <S extends z.ZodRawShape>(shape: S) => z.strictObject(shape, expected('an object'));
  return object({
    name: text('a non-empty name').max(100, expected('a name of at most 100 characters')).optional(),
    schema: fileList(baseDir),
    tenancy: object({ tenantColumns: names.optional(), tenantTable: tableName.optional(), appRole: appRole.optional(), context: context.optional(), subject: subject.optional() }).optional(),
    seed: object({
      tenants: wholeNumber(scenarioLimits.tenants.min, scenarioLimits.tenants.max).optional(),
      rowsPerTable: rows.optional(),
      seed: wholeNumber(scenarioLimits.seed.min, scenarioLimits.seed.max).optional(),
      sql: fileList(baseDir).optional(),
    }).optional(),
    database: object({
      backend: oneOf(['embedded', 'url', 'container']).optional(),
      // The variable's name, never its value: a connection string here would leak its password.
      urlEnv: text('the name of an environment variable', { secret: true }).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, expected('the name of an environment variable', { secret: true })).optional(),
      disposable: flag.optional(),
      scratch: flag.optional(),
      image: text('an image name like postgres:18-alpine').optional(),
    }).optional(),
    audit: object({ enabled: flag.optional() }).optional(),
    attacks: object({
      enabled: flag.optional(),
      runs: wholeNumber(scenarioLimits.runs.min, scenarioLimits.runs.max).optional(),
      timeBudgetSeconds: z.number(expected(`a number of seconds above 0, at most ${scenarioLimits.timeBudgetSeconds.max}`)).positive(expected(`a number of seconds above 0, at most ${scenarioLimits.timeBudgetSeconds.max}`)).max(scenarioLimits.timeBudgetSeconds.max, expected(`a number of seconds above 0, at most ${scenarioLimits.timeBudgetSeconds.max}`)).optional(),
    }).optional(),
    load: object({ enabled: flag.optional(), profile: oneOf(['short', 'soak']).optional() }).optional(),
    gates: object({ failOn: oneOf(severities as readonly Severity[] as [Severity, ...Severity[]]).optional() }).optional(),
  });
}

/** The outcome of {@link validateScenarioInput}: the input, or every problem with its path. */
export type ScenarioValidation = { ok: true; value: ScenarioInput } | { ok: false; problems: string[] };

/** Validates a scenario as written; reports every problem at once, `path: message` each. */
export function validateScenarioInput(input: unknown, baseDir: string): ScenarioValidation {
  const schema = scenarioInputSchema(baseDir);
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data satisfies ScenarioInput };
  return { ok: false, problems: formatIssues(result.error.issues, schema) };
}

// Compile-time guard: the validator accepts exactly the shape `ScenarioInput` documents, so
// neither can grow a field the other does not know.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inSync: Same<z.output<ReturnType<typeof scenarioInputSchema>>, ScenarioInput> = true;
void inSync;
