import * as fc from 'fast-check';
import { defineHttpProbe, readLeak } from '../http-probe.ts';
import { sendRequest } from '../exchange.ts';
import type { HttpTarget } from '../target.ts';
import { readRoutes, tenantPair } from './pairs.ts';

type Tamper = 'wrong-key' | 'alg-none' | 'expired' | 'malformed' | 'claims-swapped' | 'payload-only';

interface TamperCase {
  attacker: number;
  victim: number;
  tamper: Tamper;
  route: number;
  byId: boolean;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A token naming the victim's tenant that the attacker could make without the server's
 * secret: re-signed with another key, unsigned (`alg: none`), a stolen expired one, garbage,
 * or the attacker's own signed token with the victim's claims swapped into its payload.
 */
async function forge(target: HttpTarget, c: TamperCase): Promise<string> {
  const victim = target.tenants[c.victim]!;
  const me = target.tenants[c.attacker]!;
  const now = Math.floor(Date.now() / 1000);
  const claims = { tid: victim.id, sub: victim.user, iat: now, exp: now + 3600 };
  switch (c.tamper) {
    case 'wrong-key':
      return target.mintToken(victim.id, victim.user, { secret: 'tenantguard-not-the-server-secret' });
    case 'alg-none':
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    case 'expired':
      return target.mintToken(victim.id, victim.user, { expiresInSeconds: -3600 });
    case 'malformed':
      return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
    case 'payload-only':
      return b64(claims);
    case 'claims-swapped': {
      const [header, , signature] = (await target.mintToken(me.id, me.user)).split('.');
      return `${header}.${b64(claims)}.${signature}`;
    }
  }
}

/** Tampered tokens that name another tenant: any answer with that tenant's data is a leak. */
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
    if (!pair) return null;
    const tamper = fc.constantFrom<Tamper>('wrong-key', 'alg-none', 'expired', 'malformed', 'claims-swapped', 'payload-only');
    return fc.record({ pair, tamper, route: fc.nat(readRoutes.length - 1), byId: fc.boolean() }).map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, target) {
    const token = await forge(target, c);
    const project = target.tenants[c.victim]!.projects[0];
    const path = c.byId && project ? `/projects/${project.id}` : readRoutes[c.route]!;
    // The attacker holds no valid credentials of the victim: any victim data it gets back leaks.
    const exchanges = [await sendRequest(target.url, { method: 'GET', path, token, tenant: c.attacker })];
    return { exchanges, leak: readLeak(target, exchanges) };
  },
});
