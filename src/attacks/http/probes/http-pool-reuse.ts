import * as fc from 'fast-check';
import { defineHttpProbe, judgeWrites, readLeak } from '../http-probe.ts';
import { sendBurst, sendRequest, type HttpExchange, type HttpRequestSpec } from '../exchange.ts';
import { readOperations, valuesOf, type HttpTarget } from '../target.ts';
import { duplicateBody, fillOperation } from '../template.ts';
import { specOf } from './pairs.ts';

interface PoolCase {
  /** The tenant whose requests first fill every pooled connection. */
  primer: number;
  /** The tenant whose request fails mid-transaction (a duplicate create), or null for none. */
  failer: number | null;
  /** Tenants reading concurrently afterwards (each with its own valid credentials). */
  readers: number[];
  route: number;
}

/** A create of the tenant's that repeats a unique value of one of its rows, or null when the description has none. */
function duplicateCreate(target: HttpTarget, tenant: number): { method: HttpRequestSpec['method']; path: string; body?: unknown; route: string } | null {
  for (const [i, resource] of target.api.resources.entries()) {
    const row = target.tenants[tenant]!.samples[i];
    const body = resource.create ? duplicateBody(resource, row) : null;
    if (!resource.create || !row || body === null) continue;
    return fillOperation({ ...resource.create, body }, valuesOf(target, tenant, i));
  }
  return null;
}

/**
 * Bursts from several tenants on a small pool, so connections are reused across tenants: a
 * primer fills every connection, another tenant's create fails half way (it repeats a unique
 * value: the transaction rolls back), then a burst of reads from several tenants. Any answer
 * with a canary of a tenant other than the credentials' is a leak (context left on the connection).
 */
export const httpPoolReuse = defineHttpProbe<PoolCase>({
  meta: {
    id: 'http-pool-reuse',
    title: 'Tenant context reused across pooled connections',
    description: 'Sends concurrent bursts from several tenants through a small pool, with a request that fails mid-transaction in between, and looks for another tenant’s canaries in any answer.',
    severity: 'critical',
    remediation: 'Set the tenant with set_config(..., true) inside every transaction; never keep tenant state per connection in the application.',
  },
  arbitrary: (target) => {
    const n = target.tenants.length;
    const reads = readOperations(target.api).length;
    if (n < 2 || reads === 0) return null;
    const tenant = fc.nat(n - 1);
    return fc.record({
      primer: tenant,
      failer: fc.option(tenant, { nil: null, freq: 4 }),
      readers: fc.array(tenant, { minLength: 1, maxLength: Math.max(2, target.poolSize * 2) }),
      route: fc.nat(reads - 1),
    });
  },
  async execute(c, target) {
    const reads = readOperations(target.api);
    const auth = new Map<number, Record<string, string>>();
    const authOf = async (i: number) => {
      if (!auth.has(i)) auth.set(i, await target.credentials(i));
      return auth.get(i)!;
    };
    const read = async (i: number, which = c.route): Promise<HttpRequestSpec> => specOf(fillOperation(reads[which]!, valuesOf(target, i)), await authOf(i), i);
    const sequence = async (): Promise<HttpExchange[]> => {
      const exchanges: HttpExchange[] = [];
      // Every tenant of the case once, alone: the app's per-tenant lookups happen now, not mid-sequence.
      for (const i of new Set([c.primer, ...(c.failer === null ? [] : [c.failer]), ...c.readers])) exchanges.push(await sendRequest(target.url, await read(i, 0)));
      const primers = await Promise.all(Array.from({ length: target.poolSize }, () => read(c.primer, 0)));
      exchanges.push(...(await sendBurst(target.url, primers, 1)));
      const failing = c.failer === null ? null : duplicateCreate(target, c.failer);
      // Its own existing unique value: a violation half way through its transaction (e.g. 409).
      if (failing) exchanges.push(await sendRequest(target.url, specOf(failing, await authOf(c.failer!), c.failer!)));
      const readers = await Promise.all(c.readers.map((i) => read(i)));
      exchanges.push(...(await sendBurst(target.url, readers, 2)));
      return exchanges;
    };
    // A create on a connection carrying a stale tenant could land in another tenant: judged and undone.
    if (c.failer !== null && duplicateCreate(target, c.failer)) return judgeWrites(target, c.failer, sequence);
    const exchanges = await sequence();
    return { exchanges, leak: readLeak(target, exchanges) };
  },
});
