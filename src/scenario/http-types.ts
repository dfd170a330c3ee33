/**
 * The scenario's `http` section: the user's own API, for the HTTP attacks to drive. The input
 * types are what users write (every field described in scenarios/README.md); `ScenarioHttp`
 * is the same after validation and defaults. `httpApiOf` turns it into the attacks' `HttpApi`.
 */

/** Methods an operation may use. */
export type HttpMethodName = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** JWT signing algorithms the harness can mint with (HMAC only: it must hold the secret). */
export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** One operation in its long form; `body` is JSON whose strings may hold placeholders. */
export interface HttpOperationObject {
  method: HttpMethodName;
  /** A path template starting with `/`: `{id}`, `{tenant}`, `{user}`, `{marker}`, `{row.<column>}`. */
  path: string;
  body?: unknown;
}

/** An operation as written: `"GET /api/notes/{id}"` or `{ method, path, body? }`. */
export type HttpOperationInput = string | HttpOperationObject;

/** A resource as written: a table and the routes that reach its rows. */
export interface HttpResourceInput {
  /** The table behind the routes (`schema.table`; a bare name means `public`). */
  table: string;
  /** The column whose value `{id}` takes (default: the table's single key column). */
  idColumn?: string;
  /** Where a created row's id is in the create's JSON answer (default `id`; dotted paths allowed). */
  createdIdField?: string;
  list?: HttpOperationInput;
  get?: HttpOperationInput;
  create?: HttpOperationInput;
  update?: HttpOperationInput;
  delete?: HttpOperationInput;
}

/**
 * A command tenantguard starts (and stops) itself. It runs without a shell; it gets `PORT`
 * and `DATABASE_URL` (the application role's connection string) in its environment, and
 * `{port}` (command and env) and `{databaseUrl}` (env only) are replaced with the same values.
 */
export interface HttpStartInput {
  /** `node server.mjs` (split like a shell would, but never run by one) or `[node, server.mjs]`. */
  command: string | string[];
  /** The working directory, relative to the scenario file (default: the scenario's folder). */
  cwd?: string;
  /** Extra environment variables, merged over tenantguard's own. Values are not secrets. */
  env?: Record<string, string | number | boolean>;
  /** A path polled until it answers 2xx (default: `health`). */
  ready?: string;
  /** How long to wait for `ready` (default 30). */
  timeoutSeconds?: number;
}

/** How each tenant's requests are authenticated, as written. */
export type HttpAuthInput =
  | {
      kind: 'jwt';
      /** The name of the environment variable holding the HMAC secret (never the secret). */
      secretEnv: string;
      header?: string;
      scheme?: string;
      algorithm?: JwtAlgorithm;
      /** Claim templates (default `{ tid: '{tenant}', sub: '{user}' }`). */
      claims?: Record<string, unknown>;
      expiresInSeconds?: number;
    }
  | {
      kind: 'header';
      header: string;
      /** A template with `{tenant}` or `{user}`. */
      value?: string;
      /** SQL run as the administrator, `$1` the tenant id, whose first column is the value. */
      query?: string;
    };

/** Where a client could try to name another tenant; a list given replaces its default. */
export interface HttpTenantOverridesInput {
  headers?: string[];
  bodyFields?: string[];
  queryParams?: string[];
}

/** The `http` section as written. Exactly one of `baseUrl`, `start` and `reference`. */
export interface HttpInput {
  /** Run the HTTP attacks (default true). */
  enabled?: boolean;
  /**
   * Attack tenantguard's own reference app (`src/app/`), started on the run's database: for
   * scenarios on the reference schema. It describes itself: no auth, resources, reads or
   * tenantOverrides with it.
   */
  reference?: boolean;
  /** An app already running against the run's database. */
  baseUrl?: string;
  /** Or a command that starts the app. */
  start?: HttpStartInput;
  /** A path that answers 2xx when the app is up (default `/health`). */
  health?: string;
  /** Required unless `reference`. */
  auth?: HttpAuthInput;
  /** Required unless `reference`. */
  resources?: HttpResourceInput[];
  /** Further read-only paths whose answers must only carry the caller's data. */
  reads?: string[];
  tenantOverrides?: HttpTenantOverridesInput;
}

/** A resource with its operations in the long form and its table as `schema.table`. */
export interface ScenarioHttpResource {
  table: string;
  idColumn?: string;
  createdIdField?: string;
  list?: HttpOperationObject;
  get?: HttpOperationObject;
  create?: HttpOperationObject;
  update?: HttpOperationObject;
  delete?: HttpOperationObject;
}

/** The app to attack: one that runs already, or one tenantguard starts. */
export type ScenarioHttpApp =
  | { kind: 'running'; baseUrl: string }
  /** The shipped reference app, in-process, on the run's database. */
  | { kind: 'reference' }
  | {
      kind: 'start';
      /** argv: the program, then its arguments (may hold `{port}`). */
      command: string[];
      /** Absolute. */
      cwd: string;
      /** As strings; values may hold `{port}` and `{databaseUrl}`. */
      env: Record<string, string>;
      ready: string;
      timeoutSeconds: number;
    };

/** The `http` section, validated, with its defaults. */
export interface ScenarioHttp {
  enabled: boolean;
  app: ScenarioHttpApp;
  health: string;
  auth:
    | { kind: 'jwt'; secretEnv: string; header: string; scheme: string; algorithm: JwtAlgorithm; claims: Record<string, unknown>; expiresInSeconds: number }
    | { kind: 'header'; header: string; value?: string; query?: string };
  resources: ScenarioHttpResource[];
  reads: string[];
  tenantOverrides: { headers: string[]; bodyFields: string[]; queryParams: string[] };
}
