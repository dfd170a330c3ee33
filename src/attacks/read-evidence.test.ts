import { describe, expect, it } from 'vitest';
import { CanaryCodec } from '../core/canary.ts';
import type { SeededTable } from '../core/manifest.ts';
import type { AttemptOutcome } from '../db/app-session.ts';
import type { AttackEnv } from './probe.ts';
import { eraseTenantSql } from './read-erase.ts';
import { canaryLeak, foreignKeyRow, foreignTenantRow, keyAlias, tenantAlias, visibleRowBound } from './read-evidence.ts';
import { renderAtom, renderTail, renderWhere } from './read-predicates.ts';
import { canaryPatterns, keyValues } from './read-values.ts';
import type { SurfaceRelation } from './surface.ts';

const codec = new CanaryCodec(1, 3);
const ids = [0, 1, 2].map((i) => codec.uuid(i, 0));
const notes: SeededTable = {
  table: { schema: 'public', name: 'notes' },
  ownership: { kind: 'column', column: 'tenant_id' },
  keyColumns: ['id'],
  keys: new Map([[0, [['1'], ['2']]], [1, [['3']]], [2, [['4']]], [-1, [['9']]]]),
  canaryColumns: [],
  plainColumns: [],
  rowCount: 5,
};
const env = { codec, manifest: { tenants: ids.map((id, index) => ({ index, id })), tables: [notes] } } as unknown as AttackEnv;
const relation = {
  name: 'public.notes',
  seeded: notes,
  tenantColumn: 'tenant_id',
  relation: { columns: [{ name: 'tenant_id' }, { name: 'id' }, { name: 'body' }] },
} as unknown as SurfaceRelation;
const outcome = (rows: Record<string, unknown>[], error?: string): AttemptOutcome => ({ results: [{ command: 'SELECT', rowCount: rows.length, rows }], verify: [], notices: [], ...(error ? { error: { message: error } } : {}) });

describe('read evidence', () => {
  it('counts foreign canaries in rows, but not the attacker’s own words echoed in an error', () => {
    const what = (v: number, n: number) => `#${v} in ${n}`;
    const victimToken = codec.token(1, 5);
    const leak = canaryLeak(env, [outcome([{ body: `x ${victimToken}` }, { body: codec.token(0, 1) }])], { attacker: 0, target: 'public.notes', sent: 'SELECT 1', what });
    expect(leak).toMatchObject({ what: '#1 in 2', target: 'public.notes', canaries: [victimToken], victim: 1 });
    const echoed = outcome([], `invalid input syntax for type uuid: "${ids[1]}"`);
    expect(canaryLeak(env, [echoed], { attacker: 0, target: 't', sent: `WHERE id = '${ids[1]}'`, what })).toBeNull();
    // A function may echo its argument in its result too.
    expect(canaryLeak(env, [outcome([{ result: ids[1] }])], { attacker: 0, target: 'f', sent: `f('${ids[1]}')`, rowsEcho: true, what })).toBeNull();
    expect(canaryLeak(env, [outcome([{ result: ids[1] }])], { attacker: 0, target: 'f', sent: `f('${ids[1]}')`, what })).not.toBeNull();
  });

  it('finds other tenants’ keys and tenant ids in returned rows, and bounds what a tenant may see', () => {
    expect(foreignKeyRow([{ [keyAlias]: '1' }, { [keyAlias]: '9' }], notes, 0)).toBeNull();
    expect(foreignKeyRow([{ [keyAlias]: '2' }, { [keyAlias]: '4' }], notes, 0)).toEqual([2, '4']);
    expect(foreignTenantRow(env, [{ [tenantAlias]: ids[0] }, { [tenantAlias]: ids[2] }], 0)).toEqual([2, ids[2]]);
    expect(visibleRowBound(notes, 0)).toBe(3);
    expect(visibleRowBound(notes, 1)).toBe(2);
  });

  it('aims predicates at the victim with text comparisons and canary patterns', () => {
    expect(keyValues(notes, 1, 'id')).toEqual(['3']);
    expect(canaryPatterns(env, 1)).toEqual(['%tg001%', `${codec.runTag}-0001-%`]);
    expect(renderAtom(env, relation, { kind: 'tenant', column: 0, op: 0, pick: 0 }, 1)).toBe(`"tenant_id"::text = '${ids[1]}'`);
    expect(renderAtom(env, relation, { kind: 'compare', column: 1, op: 4, pick: 0 }, 1, 'r')).toBe(`"r"."id"::text LIKE '%3%'`);
    expect(renderAtom(env, relation, { kind: 'like-canary', column: 2, op: 0, pick: 0 }, 1)).toBe(`"body"::text LIKE '%tg001%'`);
    const shape = { atoms: [{ kind: 'not-null' as const, column: 2, op: 0, pick: 0 }, { kind: 'true' as const, column: 0, op: 0, pick: 0 }], order: { column: 1, desc: true }, limit: 5 };
    expect(renderWhere(env, relation, shape, 1) + renderTail(relation, shape)).toBe(' WHERE "body" IS NOT NULL OR true ORDER BY "id"::text DESC LIMIT 5');
  });

  it('erases one tenant’s rows by its tenant column (or keys) without triggers', () => {
    expect(eraseTenantSql(env, 1)).toEqual(['SET LOCAL session_replication_role = replica', `DELETE FROM "public"."notes" WHERE "tenant_id"::text = '${ids[1]}'`]);
  });
});
