import * as z from 'zod';
import { severities, type Severity } from '../core/check.ts';
import { parseQualifiedName } from '../core/names.ts';
import { formatIssues } from './format-issues.ts';
import {
  baseUrlProblem,
  commandProblem,
  commandWordProblem,
  duplicateTables,
  envNameProblems,
  envNamePattern,
  exactlyOne,
  fixedPathRules,
  headerNamePattern,
  headerValueProblem,
  httpMethods,
  missingOperation,
  operationRules,
  pathProblem,
  readRules,
  shorthandProblem,
  type FieldProblem,
  type OperationKind,
  type PathRules,
} from './http-checks.ts';
import { across, checked, directoryPath, expected, filePath, fitsIdentifier, flag, identifier, matching, oneOf, oneOrMore, recordOf, show, text, wholeNumber } from './schema-primitives.ts';
import type { ScenarioInput } from './types.ts';

/**
 * The scenario validator: with schema-primitives.ts, the only place that knows zod (DESIGN §2).
 * Messages read `expected <what>, got <value>` or `required`; `format-issues.ts` adds the paths.
 */

/** The limits a scenario's numbers must respect. */
export const scenarioLimits = {
  tenants: { min: 1, max: 10_000 },
  rowsPerTable: { min: 0, max: 1_000_000 },
  seed: { min: 0, max: 0x7fffffff },
  runs: { min: 1, max: 10_000_000 },
  timeBudgetSeconds: { max: 86_400 },
} as const;


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
).refine((name) => {
  try {
    const parsed = parseQualifiedName(name);
    return fitsIdentifier(parsed.schema) && fitsIdentifier(parsed.name);
  } catch {
    return true; // reported above
  }
}, expected('a table name whose parts are at most 63 bytes (Postgres cuts longer names)'));

const appRole = z.union(
  [
    identifier('a role name'),
    z
      .strictObject(
        { name: identifier('a role name'), password: text('a password', { secret: true }).optional(), login: oneOf(['password', 'set-role']).optional() },
        expected('an object'),
      )
      .refine((role) => role.login !== 'password' || role.password !== undefined, { path: ['password'], error: 'required when login is "password"' }),
  ],
  expected('a role name or { name, password?, login? }'),
);

const context = z.union(
  [
    // Custom settings need a prefix (`app.`); Postgres rejects a bare name it does not know.
    z.strictObject({ setting: matching('a setting name like app.tenant_id', /^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)+$/) }),
    z.strictObject({ statement: matching('SQL with $1 for the value', /\$1(?!\d)/) }),
  ],
  expected('{ setting: "app.tenant_id" } or { statement: "select ... $1 ..." }'),
);

const subject = z.union(
  [
    z.literal('tenant', expected('"tenant"')),
    z.strictObject({ membershipTable: tableName, userColumn: identifier('a column name'), tenantColumn: identifier('a column name').optional() }),
  ],
  expected('"tenant" or { membershipTable, userColumn, tenantColumn? }'),
);

const strict = <S extends z.ZodRawShape>(shape: S) => z.strictObject(shape, expected('an object'));

/** A path template checked against `rules` (see `http-checks.ts`). */
const pathTemplate = (rules: PathRules) => checked(text('a path like /api/notes'), (path) => pathProblem(path, rules));

/** An operation: `"GET /api/notes/{id}"` or `{ method, path, body? }`. */
function operation(kind: OperationKind) {
  return z.union(
    [
      checked(z.string(), (shorthand) => shorthandProblem(shorthand, kind)),
      strict({ method: oneOf(httpMethods), path: pathTemplate(operationRules(kind)), body: z.unknown().optional() }),
    ],
    expected('"METHOD /path" or { method, path, body? }'),
  );
}

const resource = strict({
  table: tableName,
  idColumn: identifier('a column name').optional(),
  createdIdField: text('a field of the JSON answer, like id or data.id').optional(),
  list: operation('list').optional(),
  get: operation('get').optional(),
  create: operation('create').optional(),
  update: operation('update').optional(),
  delete: operation('delete').optional(),
}).check(across(missingOperation));

const envName = (what: string) => matching(what, envNamePattern, { secret: true });
const headerName = matching('a header name like authorization', headerNamePattern);
const authKinds = expected('{ kind: "jwt", secretEnv, ... } or { kind: "header", header, value | query }');

const auth = z.discriminatedUnion(
  'kind',
  [
    strict({
      kind: z.literal('jwt'),
      // The variable's name: a secret written here would end up in files, logs and reports.
      secretEnv: envName('the name of an environment variable holding the secret (not the secret itself)'),
      header: headerName.optional(),
      scheme: z.string(expected('a scheme like Bearer, or "" for none')).regex(/^\S*$/, expected('a scheme like Bearer, or "" for none')).optional(),
      algorithm: oneOf(['HS256', 'HS384', 'HS512']).optional(),
      claims: recordOf(z.unknown(), 'an object of claim templates').optional(),
      expiresInSeconds: wholeNumber(1, 31_536_000).optional(),
    }),
    strict({
      kind: z.literal('header'),
      header: headerName,
      value: checked(text('a template like "{tenant}"'), headerValueProblem).optional(),
      query: matching('SQL with $1 for the tenant id', /\$1(?!\d)/).optional(),
    }).check(across((a) => exactlyOne(a, 'value (a template)', "query (SQL reading each tenant's value)"))),
  ],
  {
    // The discriminator's issue carries the whole object: say what `kind` should be.
    error: (issue) => {
      const input = issue.input as { kind?: unknown } | undefined;
      if (input === undefined) return 'required';
      if (typeof input !== 'object' || input === null || Array.isArray(input)) return authKinds.error(issue);
      return input.kind === undefined ? 'required ("jwt" or "header")' : `expected "jwt" or "header", got ${show(input.kind, false)}`;
    },
  },
);

/** The start command: argv checks and an environment whose names are checked too. */
function start(baseDir: string) {
  const seconds = expected('a number of seconds above 0, at most 600');
  const words = z.array(checked(text('a word'), commandWordProblem), expected('a list')).min(1, expected('a program and its arguments'));
  const value = z.union([z.string(), z.number(), z.boolean()], expected('a string, number or true/false'));
  return strict({
    command: z.union([checked(z.string(), commandProblem), words], expected('a command like "node server.mjs" or a list like [node, server.mjs]')),
    cwd: directoryPath(baseDir).optional(),
    env: recordOf(value, 'an object of variables')
      .check(across(envNameProblems))
      .optional(),
    ready: pathTemplate(fixedPathRules).optional(),
    timeoutSeconds: z.number(seconds).positive(seconds).max(600, seconds).optional(),
  });
}

/**
 * Exactly one app to attack; the reference app describes itself, any other app must be
 * described (auth and resources).
 */
function referenceOrDescribed(h: Record<PropertyKey, unknown>): FieldProblem[] {
  const apps = ['baseUrl', 'start', 'reference'].filter((field) => (field === 'reference' ? h[field] === true : h[field] !== undefined));
  if (apps.length !== 1) {
    return [{ path: [], message: `expected exactly one of baseUrl (an app already running), start (a command that starts it) and reference: true (the shipped reference app), got ${apps.length === 0 ? 'none' : apps.join(' and ')}` }];
  }
  if (apps[0] === 'reference') {
    return ['auth', 'resources', 'reads', 'tenantOverrides'].filter((field) => h[field] !== undefined).map((field) => ({ path: [field], message: 'not with reference: true (the reference app describes itself)' }));
  }
  return ['auth', 'resources'].filter((field) => h[field] === undefined).map((field) => ({ path: [field], message: 'required' }));
}

/** The `http` section: the user's API, as `http-types.ts` documents it. */
function httpSchema(baseDir: string) {
  return strict({
    enabled: flag.optional(),
    // Shown only when it holds no `@`: a URL with credentials would print the password.
    baseUrl: checked(text('an http(s) URL like http://127.0.0.1:3000', { secret: true }), baseUrlProblem).optional(),
    start: start(baseDir).optional(),
    reference: flag.optional(),
    health: pathTemplate(fixedPathRules).optional(),
    auth: auth.optional(),
    resources: z
      .array(resource, expected('a list of resources'))
      .min(1, expected('at least one resource'))
      .check(across(duplicateTables))
      .optional(),
    reads: z.array(pathTemplate(readRules), expected('a list of paths')).optional(),
    tenantOverrides: strict({
      headers: z.array(headerName, expected('a list of header names')).optional(),
      bodyFields: z.array(text('a field name'), expected('a list of field names')).optional(),
      queryParams: z.array(text('a query parameter name'), expected('a list of parameter names')).optional(),
    }).optional(),
  }).check(across(referenceOrDescribed));
}

/**
 * The validator of a scenario as written. Schema and seed files are checked to exist,
 * relative to `baseDir` (the scenario file's folder).
 */
export function scenarioInputSchema(baseDir: string) {
  const files = () => oneOrMore(filePath(baseDir), 'file path', 'file paths');
  const { rowsPerTable: rowLimits, timeBudgetSeconds: budget } = scenarioLimits;
  const rowCount = () => wholeNumber(rowLimits.min, rowLimits.max);
  const rows = z.union([rowCount(), recordOf(rowCount(), 'an object')], expected(`a whole number from 0 to ${rowLimits.max} or { table: rows }`));
  const seconds = expected(`a number of seconds above 0, at most ${budget.max}`);
  const object = strict;
  return object({
    name: text('a non-empty name').max(100, expected('a name of at most 100 characters')).optional(),
    schema: files(),
    tenancy: object({
      tenantColumns: oneOrMore(identifier('a column name'), 'column name', 'column names').optional(),
      tenantTable: tableName.optional(),
      appRole: appRole.optional(),
      context: context.optional(),
      subject: subject.optional(),
    }).optional(),
    seed: object({
      tenants: wholeNumber(scenarioLimits.tenants.min, scenarioLimits.tenants.max).optional(),
      rowsPerTable: rows.optional(),
      seed: wholeNumber(scenarioLimits.seed.min, scenarioLimits.seed.max).optional(),
      sql: files().optional(),
    }).optional(),
    database: object({
      backend: oneOf(['embedded', 'url', 'container']).optional(),
      // The variable's name, never its value: a connection string here would leak its password.
      urlEnv: matching('the name of an environment variable (not the URL itself)', /^[A-Za-z_][A-Za-z0-9_]*$/, { secret: true }).optional(),
      disposable: flag.optional(),
      scratch: flag.optional(),
      image: text('an image name like postgres:18-alpine').optional(),
    }).optional(),
    audit: object({
      enabled: flag.optional(),
      suppressions: z
        .array(
          object({
            fingerprint: matching('a finding fingerprint (16 hex digits)', /^[0-9a-f]{16}$/),
            reason: text('why this finding is accepted'),
            expires: matching('a date like 2027-03-31', /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/).optional(),
          }),
          expected('a list of { fingerprint, reason, expires? }'),
        )
        .optional(),
    }).optional(),
    attacks: object({
      enabled: flag.optional(),
      runs: wholeNumber(scenarioLimits.runs.min, scenarioLimits.runs.max).optional(),
      timeBudgetSeconds: z.number(seconds).positive(seconds).max(budget.max, seconds).optional(),
    }).optional(),
    load: object({
      enabled: flag.optional(),
      profile: oneOf(['short', 'soak']).optional(),
      budgets: object({
        victimP99Ratio: z.number(expected('a ratio above 1, at most 1000')).gt(1, expected('a ratio above 1, at most 1000')).max(1000, expected('a ratio above 1, at most 1000')).optional(),
        victimErrorRate: z.number(expected('a rate above 0, at most 1')).gt(0, expected('a rate above 0, at most 1')).max(1, expected('a rate above 0, at most 1')).optional(),
      }).optional(),
    }).optional(),
    gates: object({ failOn: oneOf(severities as readonly Severity[] as [Severity, ...Severity[]]).optional() }).optional(),
    http: httpSchema(baseDir).optional(),
  });
}

/** The outcome of {@link validateScenarioInput}: the input, or every problem with its path. */
export type ScenarioValidation = { ok: true; value: ScenarioInput } | { ok: false; problems: string[]; total: number };

/**
 * Validates a scenario as written; reports every problem at once, `path: message` each (the
 * first 50, then a count; `total` counts them all).
 */
export function validateScenarioInput(input: unknown, baseDir: string): ScenarioValidation {
  const schema = scenarioInputSchema(baseDir);
  let result: ReturnType<typeof schema.safeParse>;
  try {
    result = schema.safeParse(input, { reportInput: true });
  } catch (error) {
    // Only a scenario module can do this (a getter or proxy that throws while being read).
    return { ok: false, problems: [`scenario: cannot be read: ${error instanceof Error ? error.message : String(error)}`], total: 1 };
  }
  if (result.success) return { ok: true, value: result.data satisfies ScenarioInput };
  return { ok: false, ...formatIssues(result.error.issues, schema) };
}

// Compile-time guard: the validator accepts exactly the shape `ScenarioInput` documents, so
// neither can grow a field the other does not know. (Mutual assignability would not do:
// an optional field missing on one side passes it.)
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;
const inSync: Equal<z.output<ReturnType<typeof scenarioInputSchema>>, ScenarioInput> = true;
void inSync;
