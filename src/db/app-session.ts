import type pg from 'pg';
import { HarnessError, messageOf } from '../core/errors.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { createPool, pgErrorFields, redactCredentials, withClient, withCredentials } from './connect.ts';
import { runCopyOut } from './copy-out.ts';
import { quoteIdent, quoteLiteral } from './quote.ts';

/**
 * Acting as the application (DESIGN §4): connecting the way the scenario says the app does and
 * setting the tenant the way it does, once per transaction. Every attempt runs inside a
 * transaction that is rolled back, so the dataset never drifts and a replay is exact.
 *
 * An attempt is sent as ONE simple-protocol query (`BEGIN; <context>; <statements>; ROLLBACK`),
 * one round trip instead of four: measured here, that roughly doubles attack throughput. Values
 * are therefore SQL literals made by `quoteLiteral` — the same text a reproduction script shows.
 */

/** One statement's result. */
export interface StatementResult {
  command: string;
  rowCount: number | null;
  rows: Record<string, unknown>[];
}

/** What the server sent back for an attempt: results, or the error that stopped it, and notices. */
export interface AttemptOutcome {
  /** Results of the attempt's statements, in order (those before an error). */
  results: StatementResult[];
  /** Results of the `verify` statements (run as the admin after RESET ROLE), when asked for. */
  verify: StatementResult[];
  error?: { code?: string; message: string; detail?: string; hint?: string; where?: string };
  notices: string[];
}

/** An attempt: the context value to set (null: set nothing), the statements, and optional admin checks. */
export interface Attempt {
  /** The value the app would put in the context (tenant or user id, or a hostile string); null sets nothing. */
  context: string | null;
  statements: string[];
  /**
   * Statements to run after the attack inside the same transaction as the admin (RESET ROLE),
   * to see effects the app role cannot: e.g. a checksum of other tenants' rows. Forces the
   * `admin` path (a superuser session that SET LOCAL ROLEs to the app role).
   */
  verify?: string[];
}

/** Options of {@link openAppSessions}. */
export interface AppSessionOptions {
  adminUrl: string;
  tenancy: Tenancy;
  /** Connections per pool (default 4). */
  connections?: number;
  /** statement_timeout of attack sessions in ms (default 5000): no attack waits forever. */
  statementTimeoutMs?: number;
}

/** Sessions acting as the application. */
export interface AppSessions {
  /** The SQL the app runs to set the context to `value` (a literal), per transaction. */
  contextSql(value: string): string;
  /** The SQL that becomes the app role on the admin path (`SET LOCAL ROLE ...`). */
  roleSql: string;
  /** True when the app logs in with its own password (else: admin + SET ROLE). */
  directLogin: boolean;
  run(attempt: Attempt): Promise<AttemptOutcome>;
  /**
   * Runs an attempt whose statements are all `COPY ... TO STDOUT`, as the app in a rolled-back
   * transaction; each statement's data comes back as rows `{ line }` (no `verify`).
   */
  copyOut(attempt: Attempt): Promise<AttemptOutcome>;
  /**
   * Runs `work` on one connection of the app pool (or the admin pool), for multi-request
   * sequences on a reused connection. The connection is reset (ROLLBACK, RESET ALL, RESET ROLE)
   * before it goes back, so one sequence never leaks into the next. With `fresh`, a new
   * connection is opened for `work` alone and closed after: only a session that never set
   * the context reads it as NULL (a pooled one that ran `set_config(name, v, true)` reads '').
   */
  withConnection<T>(path: 'app' | 'admin', work: (query: (sql: string) => Promise<AttemptOutcome>) => Promise<T>, options?: { fresh?: boolean }): Promise<T>;
  close(): Promise<void>;
}

function toResults(result: pg.QueryResult | pg.QueryResult[] | undefined): StatementResult[] {
  const list = Array.isArray(result) ? result : result ? [result] : [];
  return list.map((r) => ({ command: r.command, rowCount: r.rowCount, rows: r.rows as Record<string, unknown>[] }));
}

async function send(client: pg.PoolClient, sql: string): Promise<AttemptOutcome> {
  const notices: string[] = [];
  const onNotice = (notice: { message?: string; detail?: string }) => notices.push([notice.message, notice.detail].filter(Boolean).join(' '));
  client.on('notice', onNotice);
  try {
    const result = (await client.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
    return { results: toResults(result), verify: [], notices };
  } catch (error) {
    const fields = pgErrorFields(error);
    if (!fields?.code) throw error; // not a server error: connection trouble, surfaced to the runner
    await client.query('rollback').catch(() => {});
    return {
      results: [],
      verify: [],
      notices,
      error: { code: fields.code, message: messageOf(error), detail: fields.detail, hint: fields.hint, where: fields.where },
    };
  } finally {
    client.off('notice', onNotice);
  }
}

/** True when the catalog says `role` may not log in (false when it cannot be read). */
async function cannotLogIn(adminUrl: string, role: string): Promise<boolean> {
  const found = await withClient(adminUrl, (client) => client.query<{ rolcanlogin: boolean }>('select rolcanlogin from pg_catalog.pg_roles where rolname = $1', [role])).catch(() => null);
  return found?.rows[0]?.rolcanlogin === false;
}

/** Opens the pools that act as the application. */
export async function openAppSessions(options: AppSessionOptions): Promise<AppSessions> {
  const { tenancy } = options;
  const login = tenancy.appRole.login;
  const connections = options.connections ?? 4;
  const timeouts = { statementTimeoutMs: options.statementTimeoutMs ?? 5000, applicationName: 'tenantguard attack', rawValues: true };
  const directLogin = login.method === 'password';
  const appUrl = login.method === 'password' ? withCredentials(options.adminUrl, tenancy.appRole.name, login.password) : options.adminUrl;
  const appPool = createPool(appUrl, connections, timeouts);
  const adminPool = directLogin ? createPool(options.adminUrl, Math.max(1, Math.ceil(connections / 2)), timeouts) : appPool;
  const roleSql = `SET LOCAL ROLE ${quoteIdent(tenancy.appRole.name)}`;
  // A connection that never set the context reads it as NULL; one that did reads ''. Prime every
  // pooled connection once so an attempt without context sees the same thing whichever
  // connection it gets — replays stay exact. (Probes that need a never-used connection ask for
  // a fresh one.)
  if (tenancy.context.kind === 'setting') {
    const prime = `BEGIN; SELECT set_config(${quoteLiteral(tenancy.context.setting)}, '', true); ROLLBACK`;
    for (const pool of new Set([appPool, adminPool])) pool.on('connect', (client) => void client.query(prime).catch(() => {}));
  }
  const contextSql = (value: string) =>
    tenancy.context.kind === 'setting'
      ? `SELECT set_config(${quoteLiteral(tenancy.context.setting)}, ${quoteLiteral(value)}, true)`
      : tenancy.context.sql.replace(/\$1(?!\d)/g, quoteLiteral(value));
  try {
    const probe = await appPool.connect();
    probe.release();
  } catch (error) {
    await Promise.all([appPool.end(), directLogin ? adminPool.end() : Promise.resolve()]);
    // Class 28 (a wrong password, a role without LOGIN): the server is fine, the scenario is
    // wrong, so it is a scenario error (exit 3), not an unreachable database (exit 4).
    const refused = pgErrorFields(error)?.code?.startsWith('28') ?? false;
    // The server says "password authentication failed" for a NOLOGIN role too (it checks the
    // password first); the catalog tells the real cause.
    const noLogin = refused && (await cannotLogIn(options.adminUrl, tenancy.appRole.name));
    const cause = noLogin ? 'the role has NOLOGIN, so it cannot log in with any password' : redactCredentials(messageOf(error));
    throw new HarnessError(refused ? 'scenario-invalid' : 'database-unreachable', `cannot connect as the application role ${tenancy.appRole.name}: ${cause}`, {
      hint: refused
        ? 'Check tenancy.appRole in the scenario: its password, or login: "set-role" for a role without LOGIN (tenantguard then connects as the admin and uses SET ROLE).'
        : 'Check tenancy.appRole (name, password, login) in the scenario.',
    });
  }
  const reset = async (client: pg.PoolClient) => {
    await client.query('ROLLBACK; RESET ALL; RESET ROLE').catch(() => {});
  };
  return {
    contextSql,
    roleSql,
    directLogin,
    async run(attempt) {
      const viaAdmin = !directLogin || attempt.verify !== undefined;
      const client = await (viaAdmin ? adminPool : appPool).connect();
      try {
        const head = ['BEGIN', ...(viaAdmin ? [roleSql] : []), ...(attempt.context === null ? [] : [contextSql(attempt.context)])];
        const tail = attempt.verify ? ['RESET ROLE', ...attempt.verify] : [];
        const outcome = await send(client, [...head, ...attempt.statements, ...tail, 'ROLLBACK'].join(';\n'));
        if (outcome.error) return outcome;
        const body = outcome.results.slice(head.length, -1);
        return {
          ...outcome,
          results: body.slice(0, attempt.statements.length),
          verify: attempt.verify ? body.slice(attempt.statements.length + 1) : [],
        };
      } finally {
        client.release();
      }
    },
    async copyOut(attempt) {
      const client = await appPool.connect();
      try {
        const head = ['BEGIN', ...(directLogin ? [] : [roleSql]), ...(attempt.context === null ? [] : [contextSql(attempt.context)])];
        return await runCopyOut(client, head.join(';\n'), attempt.statements);
      } finally {
        client.release();
      }
    },
    async withConnection(path, work, how) {
      // A one-connection pool of its own: the same settings as the app's, never reused.
      const own = how?.fresh ? createPool(path === 'admin' || !directLogin ? options.adminUrl : appUrl, 1, timeouts) : null;
      const client = await (own ?? (path === 'admin' ? adminPool : appPool)).connect().catch(async (error: unknown) => {
        await own?.end();
        throw error;
      });
      try {
        // Without its own login the app is the admin connection switched to the app role.
        if (path === 'app' && !directLogin) await client.query(`SET ROLE ${quoteIdent(tenancy.appRole.name)}`);
        return await work((sql) => send(client, sql));
      } finally {
        await reset(client);
        client.release();
        await own?.end();
      }
    },
    async close() {
      await Promise.all([appPool.end(), directLogin ? adminPool.end() : Promise.resolve()]);
    },
  };
}
