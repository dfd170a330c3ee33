import { basename, extname, isAbsolute, resolve } from 'node:path';
import { defaultTenantOverrides, referenceApi } from '../attacks/http/api.ts';
import { formatQualifiedName, parseQualifiedName } from '../core/names.ts';
import { splitCommand } from './command-line.ts';
import { parseOperation } from './http-checks.ts';
import type { HttpInput, HttpResourceInput, HttpOperationInput, HttpOperationObject, ScenarioHttp, ScenarioHttpResource } from './http-types.ts';
import type { Scenario, ScenarioInput, TenancyInput } from './types.ts';

/**
 * The defaults of every optional scenario field, in one place so the README, the loader and
 * code callers agree. Tenancy fields left out stay null: later phases infer them from the
 * catalog and say so in the report.
 */
export const scenarioDefaults = {
  /** Name of a scenario built in code without one. */
  name: 'scenario',
  tenants: 10,
  rowsPerTable: 20,
  backend: 'embedded',
  image: 'postgres:18-alpine',
  runs: 1000,
  timeBudgetSeconds: 30,
  profile: 'short',
  /** Load gates (with fairness on): victim p99 under contention ÷ alone, and victim failures ÷ requests. */
  victimP99Ratio: 2,
  victimErrorRate: 0.01,
  failOn: 'high',
  /** The membership table's tenant column when the subject is a user. */
  membershipTenantColumn: 'tenant_id',
  http: {
    health: '/health',
    timeoutSeconds: 30,
    header: 'authorization',
    scheme: 'Bearer',
    algorithm: 'HS256',
    claims: { tid: '{tenant}', sub: '{user}' },
    expiresInSeconds: 3600,
  },
} as const;

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

function absolute(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function tenancyOf(input: TenancyInput): Scenario['tenancy'] {
  const role = typeof input.appRole === 'string' ? { name: input.appRole } : input.appRole;
  const subject = input.subject ?? 'tenant';
  return {
    tenantColumns: input.tenantColumns === undefined ? null : list(input.tenantColumns),
    tenantTable: input.tenantTable ?? null,
    // A role given with a password logs in with it; without one the harness can only switch to it.
    appRole: role
      ? { name: role.name, password: role.password ?? null, login: role.login ?? (role.password === undefined ? 'set-role' : 'password') }
      : null,
    context: input.context ? { ...input.context } : null,
    subject:
      subject === 'tenant'
        ? 'tenant'
        : { membershipTable: subject.membershipTable, userColumn: subject.userColumn, tenantColumn: subject.tenantColumn ?? scenarioDefaults.membershipTenantColumn },
  };
}

function operationOf(input: HttpOperationInput | undefined): HttpOperationObject | undefined {
  if (input === undefined) return undefined;
  // Validated: a string here is a well-formed shorthand.
  if (typeof input === 'string') return parseOperation(input)!;
  return input.body === undefined ? { method: input.method, path: input.path } : { method: input.method, path: input.path, body: input.body };
}

function resourceOf(input: HttpResourceInput): ScenarioHttpResource {
  // `notes` and `public.notes` name one table: written the manifest's way (`schema.name`),
  // unless a part holds a dot or a quote, which only the quoted form keeps apart.
  const name = parseQualifiedName(input.table);
  const plain = !/[."]/.test(name.schema + name.name);
  const resource: ScenarioHttpResource = { table: plain ? formatQualifiedName(name) : input.table };
  if (input.idColumn !== undefined) resource.idColumn = input.idColumn;
  if (input.createdIdField !== undefined) resource.createdIdField = input.createdIdField;
  for (const kind of ['list', 'get', 'create', 'update', 'delete'] as const) {
    const operation = operationOf(input[kind]);
    if (operation) resource[kind] = operation;
  }
  return resource;
}

/** The reference app's own description, as a validated section (its secret: TENANTGUARD_JWT_SECRET, set by the pipeline). */
function referenceHttp(enabled: boolean): ScenarioHttp {
  const auth = referenceApi.auth;
  if (auth.kind !== 'jwt') throw new Error('the reference app authenticates with JWTs');
  return {
    enabled,
    app: { kind: 'reference' },
    health: referenceApi.health,
    auth: { ...auth, claims: { ...auth.claims }, secretEnv: 'TENANTGUARD_JWT_SECRET' },
    resources: referenceApi.resources.map((r) => structuredClone(r) as ScenarioHttpResource),
    reads: [...referenceApi.reads],
    tenantOverrides: structuredClone(referenceApi.tenantOverrides),
  };
}

function httpOf(input: HttpInput, baseDir: string): ScenarioHttp {
  if (input.reference) return referenceHttp(input.enabled ?? true);
  const d = scenarioDefaults.http;
  const health = input.health ?? d.health;
  const start = input.start;
  const auth = input.auth!;
  const overrides = input.tenantOverrides ?? {};
  return {
    enabled: input.enabled ?? true,
    app: start
      ? {
          kind: 'start',
          command: typeof start.command === 'string' ? (splitCommand(start.command) as { argv: string[] }).argv : [...start.command],
          cwd: absolute(baseDir, start.cwd ?? '.'),
          env: Object.fromEntries(Object.entries(start.env ?? {}).map(([name, value]) => [name, String(value)])),
          ready: start.ready ?? health,
          timeoutSeconds: start.timeoutSeconds ?? d.timeoutSeconds,
        }
      : { kind: 'running', baseUrl: input.baseUrl! },
    health,
    auth:
      auth.kind === 'jwt'
        ? {
            kind: 'jwt',
            secretEnv: auth.secretEnv,
            header: auth.header ?? d.header,
            scheme: auth.scheme ?? d.scheme,
            algorithm: auth.algorithm ?? d.algorithm,
            claims: auth.claims ? { ...auth.claims } : { ...d.claims },
            expiresInSeconds: auth.expiresInSeconds ?? d.expiresInSeconds,
          }
        : { kind: 'header', header: auth.header, ...(auth.value === undefined ? { query: auth.query! } : { value: auth.value }) },
    resources: input.resources!.map(resourceOf),
    reads: [...(input.reads ?? [])],
    tenantOverrides: {
      headers: [...(overrides.headers ?? defaultTenantOverrides.headers)],
      bodyFields: [...(overrides.bodyFields ?? defaultTenantOverrides.bodyFields)],
      queryParams: [...(overrides.queryParams ?? defaultTenantOverrides.queryParams)],
    },
  };
}

/**
 * Fills in the defaults of a validated scenario input and makes its paths absolute. `file`
 * names the scenario (its base name) unless `name` is given.
 */
export function applyDefaults(input: ScenarioInput, file: string | null, baseDir: string): Scenario {
  const d = scenarioDefaults;
  const seed = input.seed ?? {};
  const database = input.database ?? {};
  const attacks = input.attacks ?? {};
  const rows = seed.rowsPerTable ?? d.rowsPerTable;
  return {
    name: input.name ?? (file ? basename(file, extname(file)) : d.name),
    file,
    schema: list(input.schema).map((path) => absolute(baseDir, path)),
    tenancy: tenancyOf(input.tenancy ?? {}),
    seed: {
      tenants: seed.tenants ?? d.tenants,
      rowsPerTable: typeof rows === 'number' ? rows : { ...rows },
      seed: seed.seed ?? null,
      sql: list(seed.sql).map((path) => absolute(baseDir, path)),
    },
    database: {
      backend: database.backend ?? d.backend,
      urlEnv: database.urlEnv ?? null,
      disposable: database.disposable ?? false,
      scratch: database.scratch ?? false,
      image: database.image ?? d.image,
    },
    audit: { enabled: input.audit?.enabled ?? true, suppressions: input.audit?.suppressions ?? [] },
    attacks: { enabled: attacks.enabled ?? true, runs: attacks.runs ?? d.runs, timeBudgetSeconds: attacks.timeBudgetSeconds ?? d.timeBudgetSeconds },
    load: {
      enabled: input.load?.enabled ?? true,
      profile: input.load?.profile ?? d.profile,
      budgets: { victimP99Ratio: input.load?.budgets?.victimP99Ratio ?? d.victimP99Ratio, victimErrorRate: input.load?.budgets?.victimErrorRate ?? d.victimErrorRate },
    },
    gates: { failOn: input.gates?.failOn ?? d.failOn },
    http: input.http ? httpOf(input.http, baseDir) : null,
  };
}
