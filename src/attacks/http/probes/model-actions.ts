import * as fc from 'fast-check';
import type { HttpRequestSpec } from '../exchange.ts';
import { markerOf, readOperations, resourcesWith, valuesOf, type HttpTarget } from '../target.ts';
import { duplicateBody, fillOperation, withQueryParam } from '../template.ts';
import { pickOf, specOf } from './pairs.ts';

/**
 * The actions of the concurrent model (http-concurrent-model.ts): what one tenant does in a
 * round, and how the model turns it into a request. Ids are resolved when the round runs,
 * from the model's belief of who owns what, so a shrunk sequence still asks for real rows.
 */

/** What a tenant does; `own`/`foreign` name whose row the id is. */
export type ActionKind = 'list' | 'get-own' | 'get-foreign' | 'create' | 'create-duplicate' | 'update-own' | 'update-foreign' | 'delete-own' | 'delete-foreign';

/** One tenant's action in a round. */
export interface ModelAction {
  tenant: number;
  kind: ActionKind;
  /** Which resource (or read path), cycling over those that apply. */
  resource: number;
  /** Which row id, cycling. */
  pick: number;
  /** The other tenant (offset from `tenant`): the foreign row's owner, and the tenant an override names. */
  other: number;
  /** Names the other tenant with the description's tenant override too (null: the credentials' tenant only). */
  override: 'header' | 'query' | 'body' | null;
}

/** The model: who owns which row of each resource (the manifest, then the creates it observed). */
export interface TenancyModel {
  owners: Map<string, number>[];
  /** Markers handed out so far (fresh canaries for creates). */
  markers: number;
}

/** A planned request and what the model expects of it. */
export interface PlannedAction {
  action: ModelAction;
  spec: HttpRequestSpec;
  resource: number | null;
  /** The row id the request names, when it names one. */
  id: string | null;
  write: boolean;
}

const op = (kind: ActionKind) => kind.split('-')[0] as 'list' | 'get' | 'create' | 'update' | 'delete';

/** The model before the first round: the seeded rows' owners. */
export function initialModel(target: HttpTarget): TenancyModel {
  const owners = target.api.resources.map((_, r) => new Map(target.tenants.flatMap((t) => t.ids[r]!.map((id): [string, number] => [id, t.index]))));
  return { owners, markers: 0 };
}

/** The kinds a description supports. */
export function kindsOf(target: HttpTarget): ActionKind[] {
  const all: ActionKind[] = ['list', 'get-own', 'get-foreign', 'create', 'create-duplicate', 'update-own', 'update-foreign', 'delete-own', 'delete-foreign'];
  return all.filter((kind) => {
    if (kind === 'list') return readOperations(target.api).length > 0;
    if (kind === 'create-duplicate') return target.api.resources.some((r, i) => r.create && target.tenants.some((t) => duplicateBody(r, t.samples[i]) !== null));
    return resourcesWith(target.api, op(kind)).length > 0;
  });
}

/** An action of a target with `n` (≥ 2) tenants. */
export function actionArbitrary(target: HttpTarget): fc.Arbitrary<ModelAction> {
  const n = target.tenants.length;
  const o = target.api.tenantOverrides;
  const vias = ([['header', o.headers], ['query', o.queryParams], ['body', o.bodyFields]] as const).filter(([, names]) => names.length > 0).map(([via]) => via);
  const override = vias.length === 0 ? fc.constant(null) : fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.constantFrom(...vias), weight: 1 });
  // Reads and foreign ids twice as often: they are where a crossed boundary shows; failing
  // creates too: a transaction rolled back half way is what leaves a stale context behind.
  // Own writes and creates move rows and connections around between them.
  const kinds = kindsOf(target).map((kind) => ({ arbitrary: fc.constant(kind), weight: kind === 'list' || kind === 'create-duplicate' || kind.endsWith('-foreign') ? 2 : 1 }));
  return fc.record({ tenant: fc.nat(n - 1), kind: fc.oneof(...kinds), resource: fc.nat(7), pick: fc.nat(7), other: fc.nat(n - 2), override });
}

/** The other tenant of an action. */
export function otherOf(target: HttpTarget, a: ModelAction): number {
  return (a.tenant + 1 + a.other) % target.tenants.length;
}

/** Turns an action into a request by the model's state; null when it has nothing to act on. */
export async function planAction(target: HttpTarget, model: TenancyModel, a: ModelAction): Promise<PlannedAction | null> {
  const { api } = target;
  const auth = await target.credentials(a.tenant);
  const other = otherOf(target, a);
  let planned: Omit<PlannedAction, 'action'> | null = null;
  if (a.kind === 'list') {
    const read = pickOf(readOperations(api), a.resource)!;
    planned = { spec: specOf(fillOperation(read, valuesOf(target, a.tenant)), auth, a.tenant), resource: null, id: null, write: false };
  } else if (a.kind === 'create' || a.kind === 'create-duplicate') {
    const candidates = resourcesWith(api, 'create').filter((r) => a.kind === 'create' || duplicateBody(api.resources[r]!, target.tenants[a.tenant]!.samples[r]) !== null);
    const r = pickOf(candidates, a.resource);
    if (r === undefined) return null;
    const resource = api.resources[r]!;
    const body = a.kind === 'create' ? resource.create!.body : duplicateBody(resource, target.tenants[a.tenant]!.samples[r]);
    const filled = fillOperation({ ...resource.create!, ...(body !== null && body !== undefined ? { body } : {}) }, valuesOf(target, a.tenant, r, { marker: markerOf(target, a.tenant, model.markers++) }));
    planned = { spec: specOf(filled, auth, a.tenant), resource: r, id: null, write: true };
  } else {
    const kind = op(a.kind) as 'get' | 'update' | 'delete';
    const owner = a.kind.endsWith('-own') ? a.tenant : other;
    const r = pickOf(resourcesWith(api, kind), a.resource)!;
    const id = pickOf([...model.owners[r]!].filter(([, t]) => t === owner).map(([id]) => id), a.pick);
    if (id === undefined) return null;
    const filled = fillOperation(api.resources[r]![kind]!, valuesOf(target, a.tenant, r, { id, marker: markerOf(target, a.tenant, model.markers++) }));
    planned = { spec: specOf(filled, auth, a.tenant), resource: r, id, write: kind !== 'get' };
  }
  return { action: a, ...withOverride(target, planned, a, target.tenants[other]!.id) };
}

function withOverride(target: HttpTarget, planned: Omit<PlannedAction, 'action'>, a: ModelAction, otherId: string): Omit<PlannedAction, 'action'> {
  const o = target.api.tenantOverrides;
  const spec = { ...planned.spec };
  if (a.override === 'header') spec.headers = { [o.headers[0]!]: otherId };
  else if (a.override === 'query') spec.path = withQueryParam(spec.path, o.queryParams[0]!, otherId);
  else if (a.override === 'body' && spec.body && typeof spec.body === 'object' && !Array.isArray(spec.body)) spec.body = { ...spec.body, [o.bodyFields[0]!]: otherId };
  return { ...planned, spec };
}

/** An action for a command's description: `#0 get-foreign public.invoices (of #2) via header`. */
export function describeAction(target: HttpTarget, a: ModelAction): string {
  const r = a.kind === 'list' ? null : pickOf(resourcesWith(target.api, op(a.kind)), a.resource);
  const what = r === null || r === undefined ? '' : ` ${target.api.resources[r]!.table}`;
  const whose = a.kind.endsWith('-foreign') || a.override ? ` (other #${otherOf(target, a)})` : '';
  return `#${a.tenant} ${a.kind}${what}${whose}${a.override ? ` via ${a.override}` : ''}`;
}
