import { describe, expect, it } from 'vitest';
import type { SeededTable } from '../core/manifest.ts';
import { actionSql, type WriteTarget } from './attack-sequence-steps.ts';
import type { AttackEnv } from './probe.ts';

const seeded = { keyColumns: ['id'], keys: new Map([[0, [['k0']]], [1, [['k1']]]]) } as unknown as SeededTable;
const relation = {
  columns: [
    { name: 'tenant_id', typeName: 'uuid', typeCategory: 'U', identity: null, generated: null },
    { name: 'id', typeName: 'uuid', typeCategory: 'U', identity: null, generated: null },
    { name: 'seq', typeName: 'int8', typeCategory: 'N', identity: 'always', generated: null },
    { name: 'body', typeName: 'text', typeCategory: 'S', identity: null, generated: null },
  ],
};
const env = {
  manifest: { tenants: [{ id: 't0' }, { id: 't1' }] },
  surface: { byName: () => ({ relation }) },
} as unknown as AttackEnv;
const write: WriteTarget = { target: { name: 'public.notes', sql: '"public"."notes"', seeded }, insert: true, update: true, tenantColumn: 'tenant_id' };
const tenant = (who: 'self' | 'other') => (who === 'self' ? 0 : 1);

describe('attack-sequence steps', () => {
  it('moves rows to the other tenant, by key or every row the UPDATE policy lets through', () => {
    const base = { kind: 'update' as const, write, owner: 'self' as const, pick: 0, tenant: 'other' as const };
    expect(actionSql(env, { ...base, everyRow: false }, tenant, null)?.sql).toBe(`UPDATE "public"."notes" SET "tenant_id" = 't1' WHERE "id"::text = 'k0'`);
    expect(actionSql(env, { ...base, everyRow: true }, tenant, null)?.sql).toBe(`UPDATE "public"."notes" SET "tenant_id" = 't1'`);
  });

  it('copies a row into the other tenant with a fresh uuid key, leaving identity columns to their default', () => {
    const sql = actionSql(env, { kind: 'insert', write, owner: 'self', pick: 0, tenant: 'other', everyRow: false }, tenant, null)?.sql;
    expect(sql).toBe(`INSERT INTO "public"."notes" ("tenant_id", "id", "body") SELECT COALESCE('t1', "tenant_id"), gen_random_uuid(), "body" FROM "public"."notes" WHERE "id"::text = 'k0'`);
  });

  it('reads the relation written last when the step names none, and skips a read with nothing to read', () => {
    const read = { kind: 'read' as const, target: null, bulk: true, pick: 0, owner: 'other' as const };
    expect(actionSql(env, read, tenant, null)).toBeNull();
    expect(actionSql(env, read, tenant, write.target)?.sql).toBe('SELECT * FROM "public"."notes" LIMIT 50');
  });
});
