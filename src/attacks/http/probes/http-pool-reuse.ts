import * as fc from 'fast-check';
import { defineHttpProbe, judgeWrites, readLeak } from '../http-probe.ts';
import { sendBurst, sendRequest, type HttpExchange, type HttpRequestSpec } from '../exchange.ts';
import { readRoutes } from './pairs.ts';

interface PoolCase {
  /** The tenant whose requests first fill every pooled connection. */
  primer: number;
  /** The tenant whose request fails mid-transaction (duplicate slug → 409), or null for none. */
  failer: number | null;
  /** Tenants reading concurrently afterwards (each with its own valid token). */
  readers: number[];
  route: number;
}

/**
 * Bursts from several tenants on a small pool, so connections are reused across tenants: a
 * primer fills every connection, another tenant's request fails half way (a duplicate slug:
 * the transaction rolls back), then a burst of reads from several tenants. Any answer with
 * a canary of a tenant other than the token's is a leak (context left on the connection).
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
    if (n < 2) return null;
    const tenant = fc.nat(n - 1);
    return fc.record({
      primer: tenant,
      failer: fc.option(tenant, { nil: null, freq: 4 }),
      readers: fc.array(tenant, { minLength: 1, maxLength: Math.max(2, target.poolSize * 2) }),
      route: fc.nat(readRoutes.length - 1),
    });
  },
  async execute(c, target) {
    const tokens = new Map<number, string>();
    const tokenOf = async (i: number) => {
      const t = target.tenants[i]!;
      if (!tokens.has(i)) tokens.set(i, await target.mintToken(t.id, t.user));
      return tokens.get(i)!;
    };
    const read = async (i: number, path = readRoutes[c.route]!): Promise<HttpRequestSpec> => ({ method: 'GET', path, token: await tokenOf(i), tenant: i });
    const sequence = async (): Promise<HttpExchange[]> => {
      const exchanges: HttpExchange[] = [];
      // Every tenant of the case once, alone: the app's per-tenant lookups happen now, not mid-sequence.
      for (const i of new Set([c.primer, ...(c.failer === null ? [] : [c.failer]), ...c.readers])) exchanges.push(await sendRequest(target.url, await read(i, '/projects')));
      const primers = await Promise.all(Array.from({ length: target.poolSize }, () => read(c.primer, '/projects')));
      exchanges.push(...(await sendBurst(target.url, primers, 1)));
      if (c.failer !== null) {
        const slug = target.tenants[c.failer]!.projects[0]?.slug;
        // Its own existing slug: a unique violation half way through its transaction (409).
        if (slug) exchanges.push(await sendRequest(target.url, { method: 'POST', path: '/projects', token: await tokenOf(c.failer), tenant: c.failer, body: { name: 'tenantguard duplicate', slug } }));
      }
      const readers = await Promise.all(c.readers.map((i) => read(i)));
      exchanges.push(...(await sendBurst(target.url, readers, 2)));
      return exchanges;
    };
    // A create on a connection carrying a stale tenant could land in another tenant: judged and undone.
    if (c.failer !== null) return judgeWrites(target, c.failer, sequence);
    const exchanges = await sequence();
    return { exchanges, leak: readLeak(target, exchanges) };
  },
});
