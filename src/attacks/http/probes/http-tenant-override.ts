import * as fc from 'fast-check';
import { defineHttpProbe, judgeWrites, readLeak } from '../http-probe.ts';
import { sendRequest } from '../exchange.ts';
import { markerOf, readOperations, resourcesWith, valuesOf, type HttpTarget } from '../target.ts';
import { fillOperation, withQueryParam, type FilledOperation } from '../template.ts';
import { pickOf, specOf, tenantPair } from './pairs.ts';

type Via = 'header' | 'body' | 'query' | 'all';
type Action = 'read-list' | 'read-id' | 'create' | 'update-own';

interface OverrideCase {
  attacker: number;
  victim: number;
  /** Where the victim's tenant id is claimed. */
  via: Via;
  action: Action;
  /** Which read path, or which resource (cycling). */
  route: number;
  /** Which header, body field or query parameter name of the description's overrides. */
  name: number;
}

/** The operation of one case, filled with the attacker's values (the victim's id for `read-id`); null when it does not apply. */
function operationOf(target: HttpTarget, c: OverrideCase): { op: FilledOperation; write: boolean } | null {
  const { api } = target;
  const pick = (op: 'get' | 'create' | 'update', owner: number) => pickOf(resourcesWith(api, op).filter((i) => op === 'create' || target.tenants[owner]!.ids[i]!.length > 0), c.route);
  const values = (resource?: number, id?: string) => valuesOf(target, c.attacker, resource, { marker: markerOf(target, c.attacker, 0), ...(id !== undefined ? { id } : {}) });
  if (c.action === 'read-list') return { op: fillOperation(readOperations(api)[c.route % readOperations(api).length]!, values()), write: false };
  if (c.action === 'read-id') {
    const r = pick('get', c.victim);
    return r === undefined ? null : { op: fillOperation(api.resources[r]!.get!, values(r, target.tenants[c.victim]!.ids[r]![0])), write: false };
  }
  if (c.action === 'create') {
    const r = pick('create', c.attacker);
    return r === undefined ? null : { op: fillOperation(api.resources[r]!.create!, values(r)), write: true };
  }
  const r = pick('update', c.attacker);
  return r === undefined ? null : { op: fillOperation(api.resources[r]!.update!, values(r, target.tenants[c.attacker]!.ids[r]![0])), write: true };
}

/** The attacker's valid credentials plus a header, body field or query parameter naming another tenant. */
export const httpTenantOverride = defineHttpProbe<OverrideCase>({
  meta: {
    id: 'http-tenant-override',
    title: 'Tenant override by header, body field or query parameter',
    description: "Sends the attacker's own valid credentials with a tenant header (X-Tenant-Id), a tenantId body field or a tenant query parameter naming another tenant, on reads and on writes of the attacker's own rows, and looks for that tenant's canaries in the answer or a change to its rows.",
    severity: 'critical',
    remediation: 'Take the tenant only from the verified credentials; refuse unknown body fields and ignore client tenant headers and parameters.',
  },
  arbitrary: (target) => {
    const pair = tenantPair(target);
    const o = target.api.tenantOverrides;
    const vias = ([['header', o.headers], ['body', o.bodyFields], ['query', o.queryParams]] as const).filter(([, names]) => names.length > 0).map(([via]) => via as Via);
    if (!pair || vias.length === 0 || readOperations(target.api).length === 0) return null;
    return fc
      .record({ pair, via: fc.constantFrom<Via>(...vias, 'all'), action: fc.constantFrom<Action>('read-list', 'read-id', 'create', 'update-own'), route: fc.nat(7), name: fc.nat(3) })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, target) {
    const planned = operationOf(target, c);
    if (!planned) return { exchanges: [], leak: null };
    const victimId = target.tenants[c.victim]!.id;
    const o = target.api.tenantOverrides;
    const uses = (via: Via, names: readonly string[]) => (c.via === via || c.via === 'all') && names.length > 0;
    let { path, body } = planned.op;
    const headers = uses('header', o.headers) ? { [pickOf(o.headers, c.name)!]: victimId } : undefined;
    if (uses('query', o.queryParams)) path = withQueryParam(path, pickOf(o.queryParams, c.name)!, victimId);
    // A body field only where there is a body: reads carry the claim in a header or the query.
    if (uses('body', o.bodyFields) && body && typeof body === 'object' && !Array.isArray(body)) body = { ...body, [pickOf(o.bodyFields, c.name)!]: victimId };
    const spec = specOf({ ...planned.op, path, ...(body !== undefined ? { body } : {}) }, await target.credentials(c.attacker), c.attacker, headers);
    if (!planned.write) {
      const exchanges = [await sendRequest(target.url, spec)];
      return { exchanges, leak: readLeak(target, exchanges) };
    }
    return judgeWrites(target, c.attacker, async () => [await sendRequest(target.url, spec)]);
  },
});
