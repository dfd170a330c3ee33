import type * as fc from 'fast-check';
import type { CheckMeta } from '../../core/check.ts';
import { withClient } from '../../db/connect.ts';
import { changedTenants, restoreState, snapshotState } from './db-state.ts';
import { foreignCanaries, type HttpExchange } from './exchange.ts';
import type { HttpTarget } from './target.ts';

/** Evidence that one case crossed the tenant boundary. */
export interface HttpLeak {
  /** The attacker's own tenant (index). */
  attacker: number;
  /** The tenant whose data leaked or changed (index), when known. */
  victim: number | null;
  /** The route (method and path pattern) that leaked. */
  route: string;
  what: string;
  canaries: string[];
  excerpt: string;
}

/** What one case did: every exchange, in order, and the leak if any. */
export interface HttpRun {
  exchanges: HttpExchange[];
  leak: HttpLeak | null;
}

/** An HTTP attack: an arbitrary over the target's tenants and a case that returns evidence. */
export interface HttpProbe<C = unknown> {
  meta: CheckMeta & { kind: 'http' };
  /**
   * Null when the target gives this probe nothing to do (e.g. one tenant). `replayHint` is
   * what {@link HttpProbe.replayHint} returned for the case being replayed.
   */
  arbitrary(target: HttpTarget, replayHint?: string): fc.Arbitrary<C> | null;
  execute(c: C, target: HttpTarget): Promise<HttpRun>;
  /**
   * What a replay needs beside the seed and path (fast-check's command replay path): kept in
   * the finding's replay path after an `@`, handed back to `arbitrary`.
   */
  replayHint?(c: C): string | undefined;
}

/** Defines an HTTP probe (kind `http`: its phase is the run's http phase). */
export function defineHttpProbe<C>(probe: Omit<HttpProbe<C>, 'meta'> & { meta: Omit<CheckMeta, 'kind'> }): HttpProbe<C> {
  return { ...probe, meta: { ...probe.meta, kind: 'http' } };
}

/** The pattern of a path: ids replaced by `:id`, the query string dropped. */
export function routeOf(method: string, path: string): string {
  return `${method} ${path.split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ':id')}`;
}

/** The route of a request: its template when the probe filled one, else the path's pattern. */
export function routeOfSpec(spec: { method: string; path: string; route?: string }): string {
  return spec.route ?? routeOf(spec.method, spec.path);
}

/** The first exchange that carries another tenant's canary, as a leak. */
export function readLeak(target: HttpTarget, exchanges: readonly HttpExchange[]): HttpLeak | null {
  for (const exchange of exchanges) {
    const hits = foreignCanaries(target.codec, exchange);
    if (hits.length === 0) continue;
    const route = routeOfSpec(exchange.request);
    const first = hits[0]!;
    const at = exchange.body.indexOf(first.canary);
    return {
      attacker: exchange.request.tenant,
      victim: first.tenantIndex,
      route,
      what: `${route} answered ${exchange.status} to tenant #${exchange.request.tenant} with ${hits.length} canar${hits.length === 1 ? 'y' : 'ies'} of tenant #${first.tenantIndex}`,
      canaries: [...new Set(hits.map((h) => h.canary))].slice(0, 10),
      excerpt: at >= 0 ? exchange.body.slice(Math.max(0, at - 80), at + 80) : exchange.headers.slice(0, 160),
    };
  }
  return null;
}

/**
 * Runs write requests and judges them by the database: another tenant's rows changed is a
 * leak. Whatever changed (the victim's rows or the attacker's own) is restored from the
 * snapshot before returning, so the next case sees the seeded data (see db-state.ts).
 */
export async function judgeWrites(target: HttpTarget, attacker: number, send: () => Promise<HttpExchange[]>): Promise<HttpRun> {
  return withClient(target.adminUrl, async (client) => {
    const before = await snapshotState(client, target.state);
    const exchanges = await send();
    const after = await snapshotState(client, target.state);
    await restoreState(client, target.state, before, after);
    const attackerId = target.tenants[attacker]!.id;
    const changed = [...changedTenants(before, after)].filter(([tenant]) => tenant !== attackerId);
    const read = readLeak(target, exchanges);
    if (changed.length === 0) return { exchanges, leak: read };
    const [victimId, tables] = changed[0]!;
    const victim = target.tenants.find((t) => t.id === victimId)?.index ?? null;
    const last = exchanges[exchanges.length - 1]!;
    return {
      exchanges,
      leak: {
        attacker,
        victim,
        route: routeOfSpec(last.request),
        what: `requests of tenant #${attacker} changed rows of tenant #${victim ?? victimId} in ${tables.join(', ')} (restored)`,
        canaries: [],
        excerpt: exchanges.map((e) => `${e.request.method} ${e.request.path} → ${e.status} ${e.body.slice(0, 120)}`).join('\n'),
      },
    };
  });
}
