import { describe, expect, it } from 'vitest';
import type { Function as CatalogFunction } from '../catalog/snapshot.ts';
import { argumentSql, callSql, candidatesFor, isCallable, parseParameters, valueKind } from './read-functions.ts';

const fn = (over: Partial<CatalogFunction>): CatalogFunction =>
  ({ schema: 'public', name: 'f', oid: 1, arguments: '', returns: 'bigint', kind: 'function', language: 'sql', securityDefiner: false, volatility: 'stable', leakproof: false, strict: false, settings: {}, owner: 'o', source: '', dependsOn: [], grants: [], extension: null, ...over }) as CatalogFunction;

describe('read-functions', () => {
  it('parses named, unnamed, multi-word, quoted and moded parameters', () => {
    expect(parseParameters('')).toEqual([]);
    expect(parseParameters('p_id uuid, p_name text')).toEqual([{ mode: 'in', type: 'uuid' }, { mode: 'in', type: 'text' }]);
    expect(parseParameters('integer, character varying, timestamp with time zone')).toEqual([
      { mode: 'in', type: 'integer' },
      { mode: 'in', type: 'character varying' },
      { mode: 'in', type: 'timestamp with time zone' },
    ]);
    expect(parseParameters('at timestamp without time zone, "Odd, name" public."My Type"[]')).toEqual([
      { mode: 'in', type: 'timestamp without time zone' },
      { mode: 'in', type: 'public."My Type"[]' },
    ]);
    expect(parseParameters('INOUT n bigint, OUT total numeric, VARIADIC tags text[]')).toEqual([
      { mode: 'inout', type: 'bigint' },
      { mode: 'out', type: 'numeric' },
      { mode: 'variadic', type: 'text[]' },
    ]);
  });

  it('makes values of the parameter’s type, always with NULL among them', () => {
    const values = ['f1fa96f6-0001-4000-8000-000000000000', '42', 'acme tg00100001x'];
    expect(candidatesFor({ mode: 'in', type: 'uuid' }, values)).toEqual(['f1fa96f6-0001-4000-8000-000000000000', null]);
    expect(candidatesFor({ mode: 'in', type: 'bigint' }, values)).toEqual(['42', '1', null]);
    expect(candidatesFor({ mode: 'in', type: 'text' }, values)).toEqual([...values, null]);
    expect(candidatesFor({ mode: 'in', type: 'jsonb' }, values)).toEqual([null]);
    expect(candidatesFor({ mode: 'variadic', type: 'uuid[]' }, values)).toEqual(['f1fa96f6-0001-4000-8000-000000000000', null]);
    expect(valueKind('anyelement')).toBeNull();
  });

  it('renders casts and calls by what the function returns', () => {
    expect(argumentSql({ mode: 'in', type: 'text' }, "o'hara")).toBe("'o''hara'::text");
    expect(argumentSql({ mode: 'in', type: 'uuid' }, null)).toBe('NULL::uuid');
    expect(argumentSql({ mode: 'variadic', type: 'text[]' }, 'a')).toBe("VARIADIC '{a}'::text[]");
    expect(callSql(fn({}), '"public"."f"', ['1'])).toBe('SELECT "public"."f"(1) AS "result"');
    expect(callSql(fn({ returns: 'SETOF text' }), '"public"."f"', [])).toBe('SELECT * FROM "public"."f"()');
    expect(callSql(fn({ returns: 'TABLE(id uuid)' }), '"public"."f"', [])).toBe('SELECT * FROM "public"."f"()');
    expect(callSql(fn({ kind: 'procedure', returns: '' }), '"public"."p"', [])).toBe('CALL "public"."p"()');
  });

  it('leaves out what it cannot call', () => {
    expect(isCallable(fn({ returns: 'trigger' }))).toBe(false);
    expect(isCallable(fn({ kind: 'window' }))).toBe(false);
    expect(isCallable(fn({ arguments: 'x anyelement' }))).toBe(false);
    expect(isCallable(fn({ arguments: 'p_tenant uuid' }))).toBe(true);
  });
});
