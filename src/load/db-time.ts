import { connectClient } from '../db/connect.ts';

/**
 * Database time per tenant, estimated by sampling `pg_stat_activity`. The reference app sends
 * each single-statement request as ONE simple-protocol message that starts with
 * `select set_config('app.tenant_id', '<uuid>', true)` (app/tenant-transaction.ts `one`), so
 * the query text of an active app backend names its tenant. Every poll credits each active
 * backend with the time since the previous poll; summed per tenant that estimates the time
 * the tenant kept a backend busy. Multi-statement requests (`BEGIN … COMMIT`, parameterised
 * context) carry no tag and are counted as untagged.
 */

/** Options of {@link startDbTimeSampler}. */
export interface DbTimeSamplerOptions {
  /** Admin connection string (needs to see other roles' query text: superuser or pg_read_all_stats). */
  adminUrl: string;
  /** The app pool's application_name (the reference app's is 'tenantguard reference app'). */
  applicationName: string;
  /** Milliseconds between polls (default 10). */
  intervalMs?: number;
  /** Aborting ends sampling early; `stop()` still returns what was gathered. */
  signal?: AbortSignal;
}

/** What the sampler measured. */
export interface DbTimeResult {
  /** Estimated ms of backend time per tenant uuid, and its share of all tagged time (shares sum to 1). */
  byTenant: Record<string, { ms: number; share: number }>;
  /** Polls made. */
  samples: number;
  /** Active app backends seen whose query carried no tenant tag (observations, not ms). */
  untagged: number;
}

/** A running sampler. */
export interface DbTimeSampler {
  /** Ends sampling, closes the connection and returns the estimate. Calling it twice is fine. */
  stop(): Promise<DbTimeResult>;
}

/** The tenant a reference-app statement was sent for (pg.escapeLiteral may write E'…'). */
const tenantTag = /set_config\('app\.tenant_id',\s*E?'([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})'/;

/** The tenant uuid named by a query text, lower-cased, or undefined. */
export function tenantOfQuery(query: string): string | undefined {
  return tenantTag.exec(query)?.[1]?.toLowerCase();
}

const activeQueries = `select query from pg_catalog.pg_stat_activity
  where application_name = $1 and state = 'active' and pid <> pg_catalog.pg_backend_pid()`;

/**
 * Starts polling on one dedicated admin connection. Each poll is credited with the wall time
 * since the previous one (not the nominal interval), so a slow poll on a busy machine does
 * not shrink the estimate; polls never overlap.
 */
export async function startDbTimeSampler(options: DbTimeSamplerOptions): Promise<DbTimeSampler> {
  const intervalMs = options.intervalMs ?? 10;
  if (!(intervalMs > 0)) throw new RangeError('intervalMs must be positive');
  const client = await connectClient(options.adminUrl, { applicationName: 'tenantguard db-time sampler' });
  const ms = new Map<string, number>();
  let samples = 0;
  let untagged = 0;
  const ended = new AbortController();
  const end = () => ended.abort();
  options.signal?.addEventListener('abort', end, { once: true });
  if (options.signal?.aborted) end();

  const poll = async () => {
    let previous = performance.now();
    while (!ended.signal.aborted) {
      const result = await client.query<{ query: string }>({ name: 'tenantguard-db-time', text: activeQueries, values: [options.applicationName] });
      const now = performance.now();
      const credit = samples === 0 ? intervalMs : now - previous;
      previous = now;
      samples++;
      for (const { query } of result.rows) {
        const tenant = tenantOfQuery(query ?? '');
        if (tenant === undefined) untagged++;
        else ms.set(tenant, (ms.get(tenant) ?? 0) + credit);
      }
      const wait = intervalMs - (performance.now() - now);
      if (wait > 0 && !ended.signal.aborted) await sleep(wait, ended.signal);
    }
  };
  const polling = poll();
  // A failed poll (server gone) ends sampling; stop() reports it.
  polling.catch(() => {});

  let stopped: Promise<DbTimeResult> | undefined;
  const finish = async (): Promise<DbTimeResult> => {
    end();
    options.signal?.removeEventListener('abort', end);
    try {
      await polling;
    } finally {
      await client.end().catch(() => {});
    }
    const total = [...ms.values()].reduce((a, b) => a + b, 0);
    const byTenant: DbTimeResult['byTenant'] = {};
    for (const [tenant, value] of [...ms].sort(([a], [b]) => a.localeCompare(b))) byTenant[tenant] = { ms: value, share: total > 0 ? value / total : 0 };
    return { byTenant, samples, untagged };
  };
  return { stop: () => (stopped ??= finish()) };
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
