import * as fc from 'fast-check';
import { authHeaders, b64json, jwtClaims, tokenIn, type JwtAuth } from '../credentials.ts';
import { defineHttpProbe, readLeak } from '../http-probe.ts';
import { sendRequest } from '../exchange.ts';
import { readOperations, type HttpTarget } from '../target.ts';
import { fillOperation } from '../template.ts';
import { pickOf, specOf, tenantPair } from './pairs.ts';

type Tamper = 'wrong-key' | 'alg-none' | 'expired' | 'malformed' | 'claims-swapped' | 'payload-only';

interface TamperCase {
  attacker: number;
  victim: number;
  tamper: Tamper;
  /** A read path (list or `reads`), or with `byId` one of the victim's rows by id. */
  route: number;
  byId: boolean;
}

/**
 * Credentials naming the victim's tenant that the attacker could make without the server's
 * secret: re-signed with another key, unsigned (`alg: none`), a stolen expired one, garbage,
 * or the attacker's own signed token with the victim's claims swapped into its payload.
 */
async function forge(target: HttpTarget, auth: JwtAuth, c: TamperCase): Promise<Record<string, string>> {
  const victim = target.tenants[c.victim]!;
  const claims = jwtClaims(auth, { tenant: victim.id, user: victim.user });
  const header = { alg: auth.algorithm, typ: 'JWT' };
  switch (c.tamper) {
    case 'wrong-key':
      return target.credentials(c.victim, { secret: 'tenantguard-not-the-server-secret' });
    case 'expired':
      return target.credentials(c.victim, { expiresInSeconds: -3600 });
    case 'alg-none':
      return authHeaders(auth, `${b64json({ alg: 'none', typ: 'JWT' })}.${b64json(claims)}.`);
    case 'malformed':
      return authHeaders(auth, `${b64json(header)}.${b64json(claims)}`);
    case 'payload-only':
      return authHeaders(auth, b64json(claims));
    case 'claims-swapped': {
      const [head, , signature] = (tokenIn(auth, await target.credentials(c.attacker)) ?? '').split('.');
      return authHeaders(auth, `${head}.${b64json(claims)}.${signature}`);
    }
  }
}

/** Tampered tokens that name another tenant: any answer with that tenant's data is a leak (JWT descriptions only). */
export const httpTokenTampering = defineHttpProbe<TamperCase>({
  meta: {
    id: 'http-token-tampering',
    title: 'Tampered bearer tokens over HTTP',
    description: "Sends tokens naming another tenant that only the server's secret could make valid — signed with a wrong key, alg none, expired, malformed, or the attacker's signature with swapped claims — and looks for that tenant's canaries in the answer.",
    severity: 'critical',
    remediation: 'Verify every token: signature with the server key and a fixed algorithm, expiry, and claim shapes; refuse anything else with 401.',
  },
  arbitrary: (target) => {
    const pair = tenantPair(target);
    const reads = readOperations(target.api).length;
    if (!pair || target.api.auth.kind !== 'jwt' || reads === 0) return null;
    const tamper = fc.constantFrom<Tamper>('wrong-key', 'alg-none', 'expired', 'malformed', 'claims-swapped', 'payload-only');
    return fc.record({ pair, tamper, route: fc.nat(reads - 1), byId: fc.boolean() }).map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, target) {
    const auth = target.api.auth as JwtAuth;
    const victim = c.victim;
    const withGet = target.api.resources.flatMap((r, i) => (r.get && target.tenants[victim]!.ids[i]!.length > 0 ? [i] : []));
    const resource = c.byId ? pickOf(withGet, c.route) : undefined;
    // The path is filled for the victim: the forged credentials claim to be the victim.
    const op =
      resource !== undefined
        ? fillOperation(target.api.resources[resource]!.get!, { tenant: target.tenants[victim]!.id, user: target.tenants[victim]!.user, id: target.tenants[victim]!.ids[resource]![0]! })
        : fillOperation(readOperations(target.api)[c.route]!, { tenant: target.tenants[victim]!.id, user: target.tenants[victim]!.user });
    // The attacker holds no valid credentials of the victim: any victim data it gets back leaks.
    const exchanges = [await sendRequest(target.url, specOf(op, await forge(target, auth, c), c.attacker))];
    return { exchanges, leak: readLeak(target, exchanges) };
  },
});
