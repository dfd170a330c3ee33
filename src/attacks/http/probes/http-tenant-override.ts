import * as fc from 'fast-check';
import { defineHttpProbe, judgeWrites, readLeak } from '../http-probe.ts';
import { sendRequest, type HttpRequestSpec } from '../exchange.ts';
import { readRoutes, tenantPair } from './pairs.ts';

interface OverrideCase {
  attacker: number;
  victim: number;
  /** Where the victim's tenant id is claimed. */
  via: 'header' | 'body' | 'both';
  action: 'read-list' | 'read-id' | 'create-project' | 'patch-own-project';
  route: number;
  headerName: 'X-Tenant-Id' | 'x-tenant-id';
}

/** The attacker's valid token plus a header or body field naming another tenant. */
export const httpTenantOverride = defineHttpProbe<OverrideCase>({
  meta: {
    id: 'http-tenant-override',
    title: 'Tenant override by header or body field',
    description: "Sends the attacker's own valid token with an X-Tenant-Id header or a tenantId body field naming another tenant, on reads and writes, and looks for that tenant's canaries in the answer or a change to its rows.",
    severity: 'critical',
    remediation: 'Take the tenant only from the verified token; refuse unknown body fields and ignore client tenant headers.',
  },
  arbitrary: (target) => {
    const pair = tenantPair(target);
    if (!pair) return null;
    return fc
      .record({
        pair,
        via: fc.constantFrom('header' as const, 'body' as const, 'both' as const),
        action: fc.constantFrom('read-list' as const, 'read-id' as const, 'create-project' as const, 'patch-own-project' as const),
        route: fc.nat(readRoutes.length - 1),
        headerName: fc.constantFrom('X-Tenant-Id' as const, 'x-tenant-id' as const),
      })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, target) {
    const me = target.tenants[c.attacker]!;
    const victim = target.tenants[c.victim]!;
    const token = await target.mintToken(me.id, me.user);
    const headers = c.via !== 'body' ? { [c.headerName]: victim.id } : undefined;
    const withTenant = (body: Record<string, unknown>) => (c.via !== 'header' ? { ...body, tenantId: victim.id } : body);
    const base = { token, tenant: c.attacker, ...(headers ? { headers } : {}) };
    if (c.action === 'read-list' || c.action === 'read-id') {
      const project = victim.projects[0];
      const path = c.action === 'read-id' && project ? `/projects/${project.id}` : readRoutes[c.route]!;
      // A GET has no body: the body variant reads through the header only when it has one.
      const exchanges = [await sendRequest(target.url, { method: 'GET', path, ...base })];
      return { exchanges, leak: readLeak(target, exchanges) };
    }
    const spec: HttpRequestSpec =
      c.action === 'create-project'
        ? { method: 'POST', path: '/projects', body: withTenant({ name: 'tenantguard override', slug: `tg-override-${c.attacker}-${c.victim}` }), ...base }
        : { method: 'PATCH', path: `/projects/${me.projects[0]?.id ?? victim.projects[0]!.id}`, body: withTenant({ name: 'tenantguard override' }), ...base };
    return judgeWrites(target, c.attacker, async () => [await sendRequest(target.url, spec)]);
  },
});
