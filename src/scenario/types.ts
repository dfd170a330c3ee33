import type { Severity } from '../core/check.ts';
import type { HttpInput, ScenarioHttp } from './http-types.ts';

/**
 * A scenario as users write it (`defineScenario({...})`, JSON or YAML). Everything but
 * `schema` is optional; what tenancy leaves out is inferred from the catalog.
 */
export interface ScenarioInput {
  /** Shown in reports; defaults to the file name. */
  name?: string;
  /** SQL files applied in order, relative to the scenario file. */
  schema: string | string[];
  tenancy?: TenancyInput;
  seed?: SeedInput;
  database?: DatabaseInput;
  audit?: {
    enabled?: boolean;
    /** Reviewed findings to accept: each by fingerprint, with a reason and an optional expiry date. Suppressed findings stay in the report. */
    suppressions?: { fingerprint: string; reason: string; expires?: string }[];
  };
  attacks?: { enabled?: boolean; runs?: number; timeBudgetSeconds?: number };
  load?: {
    enabled?: boolean;
    profile?: 'short' | 'soak';
    /** Gates of the noisy-neighbour experiment, judged with fairness on. */
    budgets?: { victimP99Ratio?: number; victimErrorRate?: number };
  };
  gates?: GatesInput;
  /** The application's own HTTP API, for the HTTP attacks (see `http-types.ts`). */
  http?: HttpInput;
}

/** How the application is multi-tenant. */
export interface TenancyInput {
  /** Column name(s) that mark tenant-owned tables. Inferred: `tenant_id`, `org_id`, ... */
  tenantColumns?: string | string[];
  /** The tenant registry table (`schema.name`), whose primary key is the tenant id. */
  tenantTable?: string;
  /** The application role: a name, or a name with how it logs in. */
  appRole?: string | { name: string; password?: string; login?: 'password' | 'set-role' };
  /**
   * How the application sets the current tenant per transaction: a setting name
   * (`{ setting: 'app.tenant_id' }`) or its own SQL with `$1` for the value
   * (`{ statement: "select set_config('request.jwt.claims', json_build_object('sub', $1)::text, true)" }`).
   * Inferred from the policies' `current_setting(...)` calls.
   */
  context?: { setting: string } | { statement: string };
  /** What the context carries: the tenant id (default) or a user id resolved through a membership table. */
  subject?: 'tenant' | { membershipTable: string; userColumn: string; tenantColumn?: string };
}

/** How to seed. */
export interface SeedInput {
  /** Number of tenants (default 10). */
  tenants?: number;
  /** Rows per tenant per table (default 20), or per table name (`schema.table` or `table`) with `*` as the fallback. */
  rowsPerTable?: number | Record<string, number>;
  /** The run seed (default: random, printed). */
  seed?: number;
  /** The user's own seed SQL files, applied instead of generated rows. */
  sql?: string | string[];
}

/** Where the database comes from. */
export interface DatabaseInput {
  backend?: 'embedded' | 'url' | 'container';
  /** For `url`: an environment variable holding the connection string (never the string itself in a file). */
  urlEnv?: string;
  /** For `url`: the database may be written to (schema, seed, attacks). */
  disposable?: boolean;
  /** For `url`: create a scratch database on that server, use it, drop it at the end. */
  scratch?: boolean;
  /** For `container`: the Postgres image (default `postgres:18-alpine`). */
  image?: string;
}

/** Thresholds that fail a run. */
export interface GatesInput {
  /** Fail (exit 1) on findings at or above this severity (default `high`). */
  failOn?: Severity;
}

/** A validated scenario with defaults applied and paths made absolute. */
export interface Scenario {
  name: string;
  /** Absolute path of the scenario file, or null for a scenario built in code. */
  file: string | null;
  /** Absolute schema file paths, in order. */
  schema: string[];
  tenancy: {
    tenantColumns: string[] | null;
    tenantTable: string | null;
    appRole: { name: string; password: string | null; login: 'password' | 'set-role' } | null;
    context: { setting: string } | { statement: string } | null;
    subject: 'tenant' | { membershipTable: string; userColumn: string; tenantColumn: string };
  };
  seed: {
    tenants: number;
    rowsPerTable: number | Record<string, number>;
    seed: number | null;
    sql: string[];
  };
  database: {
    backend: 'embedded' | 'url' | 'container';
    urlEnv: string | null;
    disposable: boolean;
    scratch: boolean;
    image: string;
  };
  audit: { enabled: boolean; suppressions: { fingerprint: string; reason: string; expires?: string }[] };
  attacks: { enabled: boolean; runs: number; timeBudgetSeconds: number };
  load: { enabled: boolean; profile: 'short' | 'soak'; budgets: { victimP99Ratio: number; victimErrorRate: number } };
  gates: { failOn: Severity };
  /** The application's HTTP API, or null when the scenario describes none. */
  http: ScenarioHttp | null;
}
