import pg from 'pg';
import { HarnessError, messageOf } from '../core/errors.ts';

/** Postgres error fields we read (node-postgres `DatabaseError`). */
export interface PgErrorFields {
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
  internalPosition?: string;
  internalQuery?: string;
}

/** The Postgres error fields of a thrown value, if it is a server error. */
export function pgErrorFields(error: unknown): PgErrorFields | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as PgErrorFields).code === 'string') {
    return error as PgErrorFields;
  }
  return undefined;
}

/** Host, port and database of a connection string, without credentials (for messages). */
export function describeUrl(url: string): { host: string; port: number; database: string } {
  const config = pg.defaults;
  try {
    const parsed = new URL(url);
    return {
      host: decodeURIComponent(parsed.hostname) || 'localhost',
      port: parsed.port ? Number(parsed.port) : config.port ?? 5432,
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres',
    };
  } catch {
    return { host: '?', port: 0, database: '?' };
  }
}

/** Removes any password from a message that may quote a connection string. */
export function redactCredentials(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+):[^@\s]*@/gi, '$1:***@');
}

/** Options of {@link connectClient} and {@link createPool}. */
export interface ConnectOptions {
  /** Milliseconds to wait for a connection (default 10 s). */
  connectTimeoutMs?: number;
  /** Session `statement_timeout` in ms (default {@link harnessTimeouts}`.statementMs`). */
  statementTimeoutMs?: number;
  applicationName?: string;
  /** Every transaction of the session is READ ONLY (`default_transaction_read_only`): writes fail in the server. */
  readOnly?: boolean;
  /** Keep every value as the server's text (no Date, number or JSON parsing): what an attacker received, verbatim and cheaper. */
  rawValues?: boolean;
}

const rawTypes = { getTypeParser: () => (value: string) => value };

/** A whole number of ms from the environment, else `fallback`. */
function envMs(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/**
 * Bounds on every database call the harness makes (issue 8: no unbounded waits), overridable
 * from the environment: `TENANTGUARD_STATEMENT_TIMEOUT_MS` (default 5 min: a large seed's COPY
 * or a user's schema may be slow), `TENANTGUARD_LOCK_TIMEOUT_MS` (default 60 s: a lock another
 * session holds), `TENANTGUARD_IDLE_TX_TIMEOUT_MS` (default 5 min). The client also gives up on
 * an answer 10 s after the server should have cancelled the statement (a dead connection).
 */
export function harnessTimeouts(): { statementMs: number; lockMs: number; idleInTransactionMs: number } {
  return {
    statementMs: envMs('TENANTGUARD_STATEMENT_TIMEOUT_MS', 300_000),
    lockMs: envMs('TENANTGUARD_LOCK_TIMEOUT_MS', 60_000),
    idleInTransactionMs: envMs('TENANTGUARD_IDLE_TX_TIMEOUT_MS', 300_000),
  };
}

function clientConfig(url: string, options: ConnectOptions): pg.ClientConfig {
  const bounds = harnessTimeouts();
  const statementMs = options.statementTimeoutMs ?? bounds.statementMs;
  return {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: statementMs,
    lock_timeout: Math.min(bounds.lockMs, statementMs),
    idle_in_transaction_session_timeout: bounds.idleInTransactionMs,
    query_timeout: statementMs + 10_000,
    application_name: options.applicationName ?? 'tenantguard',
    ...(options.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    ...(options.rawValues ? { types: rawTypes as unknown as pg.CustomTypesConfig } : {}),
  };
}

/** Turns a connection failure into a HarnessError that names the target, not the secret. */
export function unreachable(url: string, error: unknown): HarnessError {
  const { host, port, database } = describeUrl(url);
  const fields = pgErrorFields(error);
  const reason = redactCredentials(messageOf(error));
  if (fields?.code === '28P01' || fields?.code === '28000') {
    return new HarnessError('database-unreachable', `authentication to database "${database}" on ${host}:${port} failed: ${reason}`, {
      hint: 'Check the user and password in the connection string.',
    });
  }
  return new HarnessError('database-unreachable', `cannot connect to database "${database}" on ${host}:${port}: ${reason}`, {
    hint: 'Is the server running and reachable? Check --database-url / DATABASE_URL.',
  });
}

/** Opens one client; connection failures become `database-unreachable` errors. */
export async function connectClient(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(url, options));
  // An idle client whose server goes away emits 'error'; the next query reports it instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw unreachable(url, error);
  }
  return client;
}

/** Runs `work` with a fresh client and always closes it. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>, options: ConnectOptions = {}): Promise<T> {
  const client = await connectClient(url, options);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A pool whose idle-client errors (server gone) do not crash the process. */
export function createPool(url: string, max: number, options: ConnectOptions = {}): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(url, options), max });
  pool.on('error', () => {});
  // pg-pool listens for errors only on idle clients: a checked-out client whose server goes away
  // between two queries (a fast shutdown on Ctrl-C) would emit an unhandled 'error' and take the
  // process down before the partial report is written. The next query reports the error instead.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Replaces the database name of a connection string. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Replaces user and password of a connection string. */
export function withCredentials(url: string, user: string, password: string | undefined): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = password === undefined ? '' : encodeURIComponent(password);
  return parsed.toString();
}

/** Reads `server_version` and `server_version_num`. */
export async function readServerVersion(client: pg.Client): Promise<{ version: string; num: number }> {
  const result = await client.query<{ v: string; n: string }>(
    "select current_setting('server_version') as v, current_setting('server_version_num') as n",
  );
  const row = result.rows[0]!;
  return { version: row.v.split(' ')[0]!, num: Number(row.n) };
}
