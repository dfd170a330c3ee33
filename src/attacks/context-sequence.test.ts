import { describe, expect, it } from 'vitest';
import { CanaryCodec } from '../core/canary.ts';
import type { SeededTable } from '../core/manifest.ts';
import type { AttemptOutcome } from '../db/app-session.ts';
import { judgeRead, leakedCanaries, ownerOfKey, readStatement, type ReadTarget } from './context-sequence.ts';
import type { AttackEnv } from './probe.ts';

const codec = new CanaryCodec(1, 3);
const env = { codec } as unknown as AttackEnv;
const seeded = {
  table: { schema: 'public', name: 'notes' },
  ownership: { kind: 'column', column: 'tenant_id' },
  keyColumns: ['tenant_id', 'id'],
  keys: new Map([[0, [[codec.uuid(0, 0), codec.uuid(0, 1)]]], [1, [[codec.uuid(1, 0), codec.uuid(1, 1)]]]]),
  canaryColumns: [],
  plainColumns: [],
  rowCount: 2,
} as unknown as SeededTable;
const target: ReadTarget = { name: 'public.notes', sql: '"public"."notes"', seeded };
const rows = (r: Record<string, unknown>[]): AttemptOutcome => ({ results: [{ command: 'SELECT', rowCount: r.length, rows: r }], verify: [], notices: [] });

describe('context-sequence helpers', () => {
  it('reads by a key of the owner, or the first 50 rows', () => {
    expect(readStatement({ target, bulk: false, owner: 1, pick: 0 })).toEqual({
      sql: `SELECT * FROM "public"."notes" WHERE "tenant_id"::text = '${codec.uuid(1, 0)}' AND "id"::text = '${codec.uuid(1, 1)}'`,
      key: [codec.uuid(1, 0), codec.uuid(1, 1)],
    });
    expect(readStatement({ target, bulk: true, owner: 1, pick: 0 }).sql).toBe('SELECT * FROM "public"."notes" LIMIT 50');
    expect(ownerOfKey(seeded, [codec.uuid(1, 0), codec.uuid(1, 1)])).toBe(1);
    expect(ownerOfKey(seeded, ['x', 'y'])).toBeUndefined();
  });

  it('counts every canary when no tenant is named, none of the named one, and never an echo of what was sent', () => {
    const outcome = { ...rows([]), error: { message: `invalid input syntax for type uuid: "${codec.token(2, 5)}x"`, detail: codec.token(1, 3) } };
    expect(leakedCanaries(env, outcome, null, '').map((h) => h.tenantIndex)).toEqual([1]);
    expect(leakedCanaries(env, outcome, 1, '')).toEqual([]);
    expect(leakedCanaries(env, outcome, null, `x ${codec.token(1, 3)}`)).toEqual([]);
  });

  it("judges a row returned for another tenant's key a leak even when the key sent all its canaries", () => {
    const read = readStatement({ target, bulk: false, owner: 1, pick: 0 });
    const outcome = rows([{ tenant_id: codec.uuid(1, 0), id: codec.uuid(1, 1) }]);
    const leak = judgeRead(env, outcome, { ...read, target }, 0, read.sql, (v, n) => `${n} of #${v}`);
    expect(leak).toMatchObject({ what: '1 of #1', target: 'public.notes', victim: 1 });
    expect(leak!.canaries).toEqual([codec.uuid(1, 0), codec.uuid(1, 1)]);
    expect(judgeRead(env, outcome, { ...read, target }, 1, read.sql, () => '')).toBeNull();
    expect(judgeRead(env, rows([]), { ...read, target }, 0, read.sql, () => '')).toBeNull();
  });
});
