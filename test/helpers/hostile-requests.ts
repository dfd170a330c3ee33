import * as fc from 'fast-check';
import type { RawRequest } from './raw-http.ts';

/**
 * Generated hostile requests against the reference app's routes (src/app/routes/): every
 * path parameter, query parameter and body field of every route, filled with injection
 * strings, another tenant's ids, random text or huge values, each case carrying what the
 * answer may be. The test supplies the world (ids, tokens) and judges the answers.
 */

/** What the generator knows of the seeded database. */
export interface HostileWorld {
  /** The attacker's own rows and a valid token of its own. */
  own: { token: string; projects: string[]; documents: string[]; invoices: string[] };
  /** Another tenant's ids (canaries): they may go anywhere but into stored text. */
  foreignIds: string[];
}

/** `refused`: 4xx (one of `statuses` when given); `ok`: 2xx; `either`: 2xx or 4xx, never 5xx. */
export type Expectation = 'refused' | 'either' | 'ok';

/** One request and what its answer may be. */
export interface HostileCase {
  label: string;
  request: RawRequest;
  expect: Expectation;
  statuses?: number[];
  /** A text field stored as sent: a 2xx answer must carry it unchanged under this key. */
  echo?: { key: string; value: string };
}

type SlotKind = 'uuid-path' | 'uuid-query' | 'uuid-body' | 'int' | 'enum' | 'slug' | 'date' | 'array' | 'text' | 'extra';
interface Slot {
  name: string;
  where: 'path' | 'query' | 'body' | 'item';
  kind: SlotKind;
  /** Longest text the schema accepts. */
  max?: number;
}
interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** The table `:id` points into (own row by default; DELETE always gets a hostile id). */
  table?: 'projects' | 'documents' | 'invoices';
  slots: Slot[];
  /** A legitimate body; `n` makes names and keys unique. */
  body?: (world: HostileWorld, n: number) => Record<string, unknown>;
}

const id: Slot = { name: 'id', where: 'path', kind: 'uuid-path' };
const page: Slot[] = [{ name: 'limit', where: 'query', kind: 'int' }, { name: 'offset', where: 'query', kind: 'int' }];
const text = (name: string, where: Slot['where'] = 'body', max = 200): Slot => ({ name, where, kind: 'text', max });
const enumSlot = (name: string, where: Slot['where'] = 'body'): Slot => ({ name, where, kind: 'enum' });

/** Every route of the reference app but `/health`, with the inputs it takes. */
export const routes: Route[] = [
  { method: 'GET', path: '/projects', slots: [...page, enumSlot('status', 'query')] },
  { method: 'GET', path: '/projects/:id', table: 'projects', slots: [id] },
  { method: 'POST', path: '/projects', slots: [text('name'), { name: 'slug', where: 'body', kind: 'slug' }, enumSlot('status')], body: (_, n) => ({ name: `hostile ${n}`, slug: `hostile-${n}` }) },
  { method: 'PATCH', path: '/projects/:id', table: 'projects', slots: [id, text('name'), { name: 'slug', where: 'body', kind: 'slug' }, enumSlot('status')], body: (_, n) => ({ name: `renamed ${n}` }) },
  { method: 'DELETE', path: '/projects/:id', slots: [id] },
  { method: 'GET', path: '/documents', slots: [...page, { name: 'projectId', where: 'query', kind: 'uuid-query' }] },
  { method: 'GET', path: '/documents/:id', table: 'documents', slots: [id] },
  { method: 'POST', path: '/documents', slots: [{ name: 'projectId', where: 'body', kind: 'uuid-body' }, text('title'), text('body', 'body', 20_000)], body: (w, n) => ({ projectId: w.own.projects[0], title: `doc ${n}`, body: 'text' }) },
  { method: 'PATCH', path: '/documents/:id', table: 'documents', slots: [id, text('title'), text('body', 'body', 20_000)], body: (_, n) => ({ title: `retitled ${n}` }) },
  { method: 'DELETE', path: '/documents/:id', slots: [id] },
  { method: 'GET', path: '/invoices', slots: [...page, enumSlot('status', 'query')] },
  { method: 'GET', path: '/invoices/:id', table: 'invoices', slots: [id] },
  {
    method: 'POST', path: '/invoices',
    slots: [text('number'), enumSlot('status'), enumSlot('currency'), { name: 'issuedOn', where: 'body', kind: 'date' }, { name: 'lineItems', where: 'body', kind: 'array' }, text('description', 'item'), { name: 'quantity', where: 'item', kind: 'int' }, { name: 'unitPriceCents', where: 'item', kind: 'int' }],
    body: (_, n) => ({ number: `H-${n}`, lineItems: [{ description: 'work', quantity: 2, unitPriceCents: 150 }] }),
  },
  { method: 'PATCH', path: '/invoices/:id', table: 'invoices', slots: [id, text('number'), enumSlot('status')], body: (_, n) => ({ number: `R-${n}` }) },
  { method: 'DELETE', path: '/invoices/:id', slots: [id] },
  { method: 'GET', path: '/search/documents?q=doc', slots: [text('q', 'query'), page[0]!] },
  { method: 'GET', path: '/reports/summary', slots: [] },
];

/** Injection strings: none is a valid uuid, integer, enum value, slug or date. */
export const injections = [
  "' OR 1=1 --", "'; drop table public.projects; --", "1' OR '1'='1", "x'); select set_config('app.tenant_id', '00000000-0000-4000-8000-000000000000', false); --",
  '$$', '$1', '$$; select 1; $$', '$tag$ x $tag$', '\\x00', '\u0000', 'a\u0000b', '%00', '\\', "\\'", "E'\\x27'", '*/ select /*', '--', ';',
  '../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f', '\u202egnp.exe', '\ufeffBOM', 'ｓｅｌｅｃｔ', 'e\u0301', '\ud83d\ude00', '\u0085\u2028\u2029',
  '{{7*7}}', '${jndi:ldap://x}', '<script>alert(1)</script>', 'null', 'NaN', '-1', '1e309', '99999999999999999999999', "current_setting('app.tenant_id')", 'true',
];

type Value = { kind: 'injection' | 'foreign' | 'random' | 'huge'; value: string };

/** Values for one slot: another tenant's ids never go into text that would be stored. */
function valuesFor(slot: Slot, world: HostileWorld): fc.Arbitrary<Value> {
  const random = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 40 }));
  const stored = (slot.kind === 'text' || slot.kind === 'slug') && slot.where !== 'query';
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...injections).map((value) => ({ kind: 'injection' as const, value })) },
    { weight: stored ? 0 : 3, arbitrary: fc.constantFrom(...world.foreignIds).map((value) => ({ kind: 'foreign' as const, value })) },
    { weight: 2, arbitrary: random.map((value) => ({ kind: 'random' as const, value })) },
    { weight: 1, arbitrary: fc.constantFrom('x', "'", '\u00e9').map((c) => ({ kind: 'huge' as const, value: c.repeat(10_240) })) },
  );
}

/** What the answer to `value` in `slot` may be. */
function expectationOf(route: Route, slot: Slot, { kind, value }: Value): Pick<HostileCase, 'expect' | 'statuses'> {
  // An unknown field: refused by a strict schema; a route without a query schema ignores it.
  if (slot.kind === 'extra') return slot.where === 'query' && !route.slots.some((s) => s.where === 'query') ? { expect: 'either' } : { expect: 'refused', statuses: [400] };
  if (slot.kind === 'text') {
    if (value.includes('\u0000') || value.length > slot.max! || (kind === 'huge' && slot.max! < 10_240)) return { expect: 'refused', statuses: [400] };
    return { expect: 'either' };
  }
  if (kind === 'random' || (slot.kind === 'slug' && /^[a-z0-9][a-z0-9-]*$/.test(value) && value.length <= 100)) return { expect: 'either' };
  if (kind === 'foreign' && slot.kind === 'uuid-path') return { expect: 'refused', statuses: [404] };
  if (kind === 'foreign' && slot.kind === 'uuid-body') return { expect: 'refused', statuses: [422] };
  if (kind === 'foreign' && slot.kind === 'uuid-query') return { expect: 'either' };
  // Injections and huge values in a typed slot; a path with a slash in it may match no route.
  return { expect: 'refused', statuses: slot.where === 'path' ? [400, 404] : [400] };
}

/** Percent-encodes the UTF-8 bytes of `value` (lone surrogates included, unlike encodeURIComponent). */
export function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
}

/** Makes fast-check print a case as its label: a counterexample with 30 KB of path is unreadable. */
export function labelled(c: HostileCase): HostileCase {
  return Object.assign(c, { [fc.toStringMethod]: () => c.label });
}

let unique = 0;

/** A case that puts one hostile value into one input of one route, with the own valid token. */
export function slotCases(world: HostileWorld): fc.Arbitrary<HostileCase> {
  return fc.constantFrom(...routes).chain((route) => {
    const extra: Slot = { name: 'tenantId', where: route.body ? 'body' : 'query', kind: 'extra' };
    return fc.tuple(fc.constant(route), fc.constantFrom(...route.slots, extra).chain((slot) => fc.tuple(fc.constant(slot), valuesFor(slot, world))), fc.nat(2));
  }).map(([route, [slot, value], pick]) => {
    const n = ++unique;
    const ownIds = route.table ? world.own[route.table] : [];
    // DELETE is only ever sent with a hostile id: the attacker's own rows stay for the other cases.
    let pathId = ownIds.length > 0 ? ownIds[pick % ownIds.length]! : '00000000-0000-4000-8000-00000000dead';
    const [base, baseQuery = ''] = route.path.split('?');
    const query = new URLSearchParams(baseQuery);
    const body = route.body?.(world, n);
    if (slot.where === 'path') pathId = value.value;
    else if (slot.where === 'query') query.set(slot.name, '');
    else if (slot.where === 'item') ((body!['lineItems'] as Record<string, unknown>[])[0]!)[slot.name] = value.value;
    else body![slot.name] = value.value;
    const search = [...query.keys()].map((key) => `${key}=${percentEncode(key === slot.name && slot.where === 'query' ? value.value : query.get(key)!)}`).join('&');
    const target = `${base!.replace(':id', percentEncode(pathId))}${search ? `?${search}` : ''}`;
    const headers: [string, string][] = [['authorization', `Bearer ${world.own.token}`]];
    if (body) headers.push(['content-type', 'application/json']);
    const expectation = expectationOf(route, slot, value);
    // A huge value in the URL may be refused by Node's parser before any route sees it.
    if (value.kind === 'huge' && slot.where !== 'body' && slot.where !== 'item' && expectation.statuses) expectation.statuses.push(414, 431);
    const storedVerbatim = slot.kind === 'text' && slot.where === 'body' && value.kind === 'injection' && expectation.expect === 'either';
    return labelled({
      label: `${route.method} ${route.path} ${slot.where}.${slot.name} = ${value.kind} ${JSON.stringify(value.value.slice(0, 60))}`,
      request: { method: route.method, target, headers, ...(body ? { body: JSON.stringify(body) } : {}) },
      ...expectation,
      ...(storedVerbatim ? { echo: { key: slot.name, value: value.value } } : {}),
    });
  });
}
