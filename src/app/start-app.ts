import { HarnessError, messageOf, throwIfAborted } from '../core/errors.ts';
import { createPool, redactCredentials, withCredentials } from '../db/connect.ts';
import { createAppContext } from './app-context.ts';
import { silentLog, type AppLogSink } from './app-log.ts';
import { buildServer } from './build-server.ts';
import { passThroughGate, type FairnessGate } from './fairness-port.ts';
import type { FlawName } from './flaws.ts';
import { applyOwnershipFlaw } from './ownership-flaw.ts';
import { createPlanCache } from './plan-cache.ts';
import { createTokenService, resolveJwtSecret, type MintOptions } from './tokens.ts';
import { createTransactionRunner } from './tenant-transaction.ts';

/** Options of {@link startReferenceApp}. */
export interface ReferenceAppOptions {
  /** Admin connection string of the database holding the reference schema (credentials: never logged). */
  databaseUrl: string;
  /** The application role and its password (the scenario's `tenancy.appRole`). */
  appRole: { name: string; password: string };
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** HS256 secret; default `TENANTGUARD_JWT_SECRET`, else random for this start. */
  jwtSecret?: string;
  /** Switch on one flaw (see flaws.ts); the secure app when absent. */
  flaw?: FlawName;
  /** Admission and statement budgets per tenant (default: admit everything). */
  fairness?: FairnessGate;
  /** Where log entries go (default: nowhere). */
  log?: AppLogSink;
  /** Aborting closes the app gracefully. */
  signal?: AbortSignal;
  /** Connections in the app's pool (default 10). */
  poolSize?: number;
  /** Largest request body in bytes (default 64 KiB). */
  bodyLimit?: number;
}

/** A running reference app. Close it (or dispose it); closing twice is fine. */
export interface ReferenceApp extends AsyncDisposable {
  /** `http://host:port`, no trailing slash. */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, closes the pool, undoes flaw setup. */
  close(): Promise<void>;
  /** A bearer token for a tenant and user, signed with this app's secret (tests, attacks). */
  mintToken(tenantId: string, userId: string, options?: MintOptions): Promise<string>;
}

/**
 * Starts the reference data layer: an HTTP API over a pool of the app role's connections,
 * every request one tenant transaction. The schema must be applied (and usually seeded).
 */
export async function startReferenceApp(options: ReferenceAppOptions): Promise<ReferenceApp> {
  throwIfAborted(options.signal);
  const log = options.log ?? silentLog;
  const flaw = options.flaw;
  const pool = createPool(withCredentials(options.databaseUrl, options.appRole.name, options.appRole.password), options.poolSize ?? 10, {
    applicationName: 'tenantguard reference app',
  });
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new HarnessError('database-unreachable', `the reference app cannot connect as ${options.appRole.name}: ${redactCredentials(messageOf(error))}`, {
      hint: 'Check the app role name and password (tenancy.appRole) and that the schema is applied.',
    });
  }
  const undo: (() => Promise<void>)[] = [];
  const closing = new AbortController();
  const tokens = createTokenService(resolveJwtSecret(options.jwtSecret), flaw);
  const runner = createTransactionRunner(pool, flaw);
  const context = createAppContext(runner, createPlanCache(runner), options.fairness ?? passThroughGate, flaw);
  const app = buildServer({
    context,
    tokens,
    log,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    closing: closing.signal,
    checkHealth: async () => {
      await pool.query('select 1');
    },
  });
  const shutdown = async () => {
    // Requests still queued at the gate give up; those holding a connection finish first.
    closing.abort(new Error('the app is closing'));
    await app.close();
    await pool.end().catch(() => {});
    for (const step of undo.reverse()) await step().catch(() => {});
    log({ time: new Date().toISOString(), level: 'info', msg: 'closed' });
  };
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= shutdown());
  try {
    if (flaw === 'route-without-tenant') undo.push(await applyOwnershipFlaw(options.databaseUrl, options.appRole.name));
    await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  } catch (error) {
    await close();
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new HarnessError('usage', `port ${options.port} on ${options.host ?? '127.0.0.1'} is already in use`, { hint: 'Choose another --port, or 0 for any free port.' });
    }
    throw new HarnessError('internal', `the reference app could not start: ${redactCredentials(messageOf(error))}`, { cause: error });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const onAbort = () => void close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  undo.push(async () => options.signal?.removeEventListener('abort', onAbort));
  log({ time: new Date().toISOString(), level: 'info', msg: 'started', url, ...(flaw ? { flaw } : {}) });
  return {
    url,
    port,
    close,
    mintToken: (tenantId, userId, mintOptions) => tokens.mint(tenantId, userId, mintOptions),
    [Symbol.asyncDispose]: close,
  };
}
