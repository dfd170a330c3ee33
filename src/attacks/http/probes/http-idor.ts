import * as fc from 'fast-check';
import { defineHttpProbe, judgeWrites, readLeak } from '../http-probe.ts';
import { sendRequest, type HttpRequestSpec } from '../exchange.ts';
import type { HttpTarget } from '../target.ts';
import { tenantPair } from './pairs.ts';

interface IdorCase {
  attacker: number;
  victim: number;
  resource: 'projects' | 'documents' | 'invoices';
  op: 'get' | 'patch' | 'delete';
  pick: number;
}

const patchBody = { projects: { name: 'tenantguard idor' }, documents: { title: 'tenantguard idor' }, invoices: { status: 'void' } } as const;

function idOf(target: HttpTarget, c: IdorCase): string | undefined {
  const ids = target.tenants[c.victim]![c.resource];
  const list = ids.map((x) => (typeof x === 'string' ? x : x.id));
  return list.length === 0 ? undefined : list[c.pick % list.length];
}

/** Reads, updates and deletes another tenant's rows by id with the attacker's own valid token. */
export const httpIdor = defineHttpProbe<IdorCase>({
  meta: {
    id: 'http-idor',
    title: 'IDOR by id over HTTP',
    description: "Gets, updates and deletes another tenant's projects, documents and invoices by their ids with the attacker's own valid token, and looks for the victim's canaries in the answer or a change to the victim's rows.",
    severity: 'critical',
    remediation: 'Resolve every id inside the tenant transaction (tenant filter and RLS): a row of another tenant must be not found.',
  },
  arbitrary: (target) => {
    const pair = tenantPair(target);
    if (!pair) return null;
    return fc.record({ pair, resource: fc.constantFrom('projects' as const, 'documents' as const, 'invoices' as const), op: fc.constantFrom('get' as const, 'patch' as const, 'delete' as const), pick: fc.nat(7) })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, target) {
    const id = idOf(target, c);
    if (!id) return { exchanges: [], leak: null };
    const me = target.tenants[c.attacker]!;
    const token = await target.mintToken(me.id, me.user);
    const spec: HttpRequestSpec = {
      method: c.op === 'get' ? 'GET' : c.op === 'patch' ? 'PATCH' : 'DELETE',
      path: `/${c.resource}/${id}`,
      token,
      tenant: c.attacker,
      ...(c.op === 'patch' ? { body: patchBody[c.resource] } : {}),
    };
    if (c.op === 'get') {
      const exchanges = [await sendRequest(target.url, spec)];
      return { exchanges, leak: readLeak(target, exchanges) };
    }
    return judgeWrites(target, c.attacker, async () => [await sendRequest(target.url, spec)]);
  },
});
