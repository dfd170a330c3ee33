import * as fc from 'fast-check';
import { defineHttpProbe, judgeWrites, readLeak } from '../http-probe.ts';
import { sendRequest } from '../exchange.ts';
import { markerOf, valuesOf } from '../target.ts';
import { fillOperation } from '../template.ts';
import { pickOf, specOf, tenantPair } from './pairs.ts';

type IdOp = 'get' | 'update' | 'delete';

interface IdorCase {
  attacker: number;
  victim: number;
  op: IdOp;
  /** Which of the resources that have `op` (cycling). */
  resource: number;
  pick: number;
}

/** Reads, updates and deletes another tenant's rows by id with the attacker's own valid credentials. */
export const httpIdor = defineHttpProbe<IdorCase>({
  meta: {
    id: 'http-idor',
    title: 'IDOR by id over HTTP',
    description: "Gets, updates and deletes another tenant's rows of every resource the API serves by their ids with the attacker's own valid credentials, and looks for the victim's canaries in the answer or a change to the victim's rows.",
    severity: 'critical',
    remediation: 'Resolve every id inside the tenant transaction (tenant filter and RLS): a row of another tenant must be not found.',
  },
  arbitrary: (target) => {
    const pair = tenantPair(target);
    const ops = (['get', 'update', 'delete'] as const).filter((op) => target.api.resources.some((r) => r[op]));
    if (!pair || ops.length === 0) return null;
    return fc.record({ pair, op: fc.constantFrom(...ops), resource: fc.nat(target.api.resources.length - 1), pick: fc.nat(7) }).map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, target) {
    const resource = pickOf(target.api.resources.flatMap((r, i) => (r[c.op] ? [i] : [])), c.resource)!;
    const id = pickOf(target.tenants[c.victim]!.ids[resource]!, c.pick);
    if (id === undefined) return { exchanges: [], leak: null };
    const op = fillOperation(target.api.resources[resource]![c.op]!, valuesOf(target, c.attacker, resource, { id, marker: markerOf(target, c.attacker, 0) }));
    const spec = specOf(op, await target.credentials(c.attacker), c.attacker);
    if (c.op === 'get') {
      const exchanges = [await sendRequest(target.url, spec)];
      return { exchanges, leak: readLeak(target, exchanges) };
    }
    return judgeWrites(target, c.attacker, async () => [await sendRequest(target.url, spec)]);
  },
});
