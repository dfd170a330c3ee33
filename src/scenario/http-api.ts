import type { ApiAuth, ApiOperation, ApiResource, HttpApi } from '../attacks/http/api.ts';
import type { HttpOperationObject, ScenarioHttp, ScenarioHttpApp, ScenarioHttpResource } from './http-types.ts';
import type { Scenario } from './types.ts';

/**
 * From the scenario's `http` section to what the pipeline needs: the `HttpApi` the attacks
 * drive, and the exact command, folder and environment of an app tenantguard starts. Pure:
 * no secret is read here (a JWT secret stays the name of its variable, `http.auth.secretEnv`,
 * for the pipeline to resolve), and nothing is started.
 */

function operationOf(operation: HttpOperationObject | undefined): ApiOperation | undefined {
  if (!operation) return undefined;
  // A copy: the attacks fill templates per request and must not share the scenario's objects.
  const copy: ApiOperation = { method: operation.method, path: operation.path };
  if (operation.body !== undefined) copy.body = structuredClone(operation.body);
  return copy;
}

function resourceOf(resource: ScenarioHttpResource): ApiResource {
  const api: ApiResource = { table: resource.table };
  if (resource.idColumn !== undefined) api.idColumn = resource.idColumn;
  if (resource.createdIdField !== undefined) api.createdIdField = resource.createdIdField;
  for (const kind of ['list', 'get', 'create', 'update', 'delete'] as const) {
    const operation = operationOf(resource[kind]);
    if (operation) api[kind] = operation;
  }
  return api;
}

function authOf(auth: ScenarioHttp['auth']): ApiAuth {
  if (auth.kind === 'jwt') {
    const { header, scheme, algorithm, claims, expiresInSeconds } = auth;
    return { kind: 'jwt', header, scheme, algorithm, claims: structuredClone(claims), expiresInSeconds };
  }
  return auth.query !== undefined ? { kind: 'header', header: auth.header, query: auth.query } : { kind: 'header', header: auth.header, value: auth.value! };
}

/**
 * The API a scenario describes, for the HTTP attacks; null when the scenario has no `http`
 * section or turns it off (`enabled: false`). The JWT secret is not part of it: read
 * `scenario.http.auth.secretEnv` and resolve that variable where the app is started.
 */
export function httpApiOf(scenario: Scenario): HttpApi | null {
  const http = scenario.http;
  if (!http?.enabled) return null;
  return {
    name: scenario.name,
    auth: authOf(http.auth),
    resources: http.resources.map(resourceOf),
    reads: [...http.reads],
    tenantOverrides: {
      headers: [...http.tenantOverrides.headers],
      bodyFields: [...http.tenantOverrides.bodyFields],
      queryParams: [...http.tenantOverrides.queryParams],
    },
    health: http.health,
  };
}

/** What the launcher knows only once the run is under way. */
export interface StartValues {
  /** The free port on 127.0.0.1 the app must listen on. */
  port: number;
  /** A connection string for the application role (never the administrator's). */
  databaseUrl: string;
}

/** A started app's process, ready for `spawn(program, args, { cwd, env: { ...process.env, ...env } })`. */
export interface StartCommand {
  program: string;
  args: string[];
  cwd: string;
  /** The scenario's variables with placeholders filled, then `PORT` and `DATABASE_URL`. */
  env: Record<string, string>;
}

function fill(text: string, values: StartValues, databaseUrl: boolean): string {
  const port = text.replaceAll('{port}', String(values.port));
  return databaseUrl ? port.replaceAll('{databaseUrl}', values.databaseUrl) : port;
}

/**
 * The env contract of a started app, in one place: `PORT` and `DATABASE_URL` are always set
 * (they win over the scenario's `env`, which validation keeps free of them), and `{port}`
 * (arguments and env values) and `{databaseUrl}` (env values only: arguments are visible in
 * `ps`) are replaced for apps that read other names.
 */
export function startCommandOf(app: Extract<ScenarioHttpApp, { kind: 'start' }>, values: StartValues): StartCommand {
  const [program, ...args] = app.command.map((word) => fill(word, values, false));
  const env = Object.fromEntries(Object.entries(app.env).map(([name, value]) => [name, fill(value, values, true)]));
  return { program: program!, args, cwd: app.cwd, env: { ...env, PORT: String(values.port), DATABASE_URL: values.databaseUrl } };
}
