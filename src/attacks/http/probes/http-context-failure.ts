import * as fc from 'fast-check';
import { defineHttpProbe, readLeak, routeOfSpec } from '../http-probe.ts';
import { sendRequest } from '../exchange.ts';
import { readOperations, valuesOf } from '../target.ts';
import { fillOperation, usesPlaceholder } from '../template.ts';
import { specOf } from './pairs.ts';

interface ContextCase {
  tenant: number;
  /** The user claim: contains a NUL (Postgres refuses it as a setting) or is merely odd. */
  user: string;
  route: number;
}

/** True when Postgres cannot hold `value` in a setting: the tenant context cannot be set. */
export function unsettable(value: string): boolean {
  return value.includes('\u0000');
}

/**
 * Claims the database cannot take as context (a NUL in the user) next to odd but valid ones.
 * Evidence: a 2xx with a body for a request whose context provably could not be set — the
 * app ran the request's queries without its tenant context (fail-open). The secure app
 * answers 5xx; a leak of canaries is judged as well.
 */
export const httpContextFailure = defineHttpProbe<ContextCase>({
  meta: {
    id: 'http-context-failure',
    title: 'Requests served after the tenant context failed',
    description: 'Sends valid tokens whose claims the database cannot take as tenant context (NUL bytes, oversized or odd values) and flags any 2xx answer with data to a request whose context could not be set, and any other tenant’s canaries.',
    severity: 'high',
    remediation: 'Treat a failed tenant context as a failed request: abort the transaction and answer 5xx, never run the queries anyway.',
  },
  arbitrary: (target) => {
    const reads = readOperations(target.api).length;
    // JWT descriptions whose claims carry the user: the harness signs whatever claim it likes.
    if (target.tenants.length === 0 || reads === 0 || target.api.auth.kind !== 'jwt' || !usesPlaceholder(target.api.auth.claims, 'user')) return null;
    const odd = fc.constantFrom('\u0000', "'", '\\', '%', '\u00e9', ' ', 'x'.repeat(150));
    const user = fc.tuple(fc.string({ maxLength: 8 }), odd, fc.string({ maxLength: 8 })).map(([a, b, c]) => `${a}${b}${c}`.slice(0, 200));
    return fc.record({ tenant: fc.nat(target.tenants.length - 1), user: user.filter((u) => u.length > 0), route: fc.nat(reads - 1) });
  },
  async execute(c, target) {
    const op = fillOperation(readOperations(target.api)[c.route]!, valuesOf(target, c.tenant));
    const exchange = await sendRequest(target.url, specOf(op, await target.credentials(c.tenant, { user: c.user }), c.tenant));
    const exchanges = [exchange];
    const leaked = readLeak(target, exchanges);
    if (leaked) return { exchanges, leak: leaked };
    if (unsettable(c.user) && exchange.status >= 200 && exchange.status < 300 && exchange.body.length > 0) {
      const route = routeOfSpec(exchange.request);
      return {
        exchanges,
        leak: {
          attacker: c.tenant,
          victim: null,
          route,
          what: `${route} answered ${exchange.status} with data to tenant #${c.tenant} although the context its claims name could not be set (a NUL in the user claim): the queries ran with no context or a stale one`,
          canaries: [],
          excerpt: exchange.body.slice(0, 160),
        },
      };
    }
    return { exchanges, leak: null };
  },
});
