import { describe, expect, it } from 'vitest';
import { constantValue, findFunctionCalls, nodeOf, referencedColumns, referencedRelations } from './ast.ts';
import { loadExpressionParser, parseExpression } from './parse-expression.ts';

// Expressions as pg_get_expr prints them, which is what the snapshot holds.
const tenantCheck = "(tenant_id = (current_setting('app.tenant_id'::text, true))::uuid)";
const membershipCheck =
  '(EXISTS ( SELECT 1 FROM app.memberships m WHERE ((m.org_id = orders.org_id) AND (m.user_id = auth.uid()))))';

describe('parseExpression', () => {
  it('returns the expression node of a policy expression', async () => {
    const ast = await parseExpression(tenantCheck);
    expect(nodeOf(ast)?.kind).toBe('A_Expr');
  });

  it('returns null for text that is not one expression', async () => {
    const parse = await loadExpressionParser();
    expect(parse('tenant_id = ')).toBeNull();
    expect(parse('true; drop table app.tasks')).toBeNull();
    expect(parse('1 from app.tasks')).toBeNull();
    expect(parse('1 as x')).toBeNull();
    expect(parse('')).toBeNull();
  });

  it('parses every kind of constant', async () => {
    const parse = await loadExpressionParser();
    expect(constantValue(parse("'a'::text"))).toBe('a');
    expect(constantValue(parse('42'))).toBe(42);
    expect(constantValue(parse('0'))).toBe(0);
    expect(constantValue(parse('1.5'))).toBe(1.5);
    expect(constantValue(parse('true'))).toBe(true);
    expect(constantValue(parse('false'))).toBe(false);
    expect(constantValue(parse('NULL'))).toBeNull();
    expect(constantValue(parse('tenant_id'))).toBeUndefined();
  });
});

describe('findFunctionCalls', () => {
  it('finds current_setting with its constant arguments, unwrapping casts', async () => {
    const calls = findFunctionCalls(await parseExpression(tenantCheck), 'current_setting');
    expect(calls).toEqual([
      {
        name: ['current_setting'],
        args: [
          { constant: true, value: 'app.tenant_id' },
          { constant: true, value: true },
        ],
        inSubquery: false,
      },
    ]);
  });

  it('matches schema-qualified calls and reports non-constant arguments', async () => {
    const ast = await parseExpression("pg_catalog.current_setting('app.' || kind) = 'x'");
    const [call] = findFunctionCalls(ast, 'current_setting');
    expect(call?.name).toEqual(['pg_catalog', 'current_setting']);
    expect(call?.args[0]?.constant).toBe(false);
  });

  it('lists every call when no name is given, marking those inside sub-selects', async () => {
    const calls = findFunctionCalls(await parseExpression(membershipCheck));
    expect(calls.map((c) => [c.name.join('.'), c.inSubquery])).toEqual([['auth.uid', true]]);
  });
});

describe('referencedColumns and referencedRelations', () => {
  it('names columns with their qualifiers, in source order', async () => {
    const ast = await parseExpression(membershipCheck);
    expect(referencedColumns(ast)).toEqual([
      { qualifier: ['m'], name: 'org_id', inSubquery: true },
      { qualifier: ['orders'], name: 'org_id', inSubquery: true },
      { qualifier: ['m'], name: 'user_id', inSubquery: true },
    ]);
    expect(referencedRelations(ast)).toEqual([{ schema: 'app', name: 'memberships' }]);
  });

  it('sees top-level columns as not in a sub-select', async () => {
    const ast = await parseExpression(tenantCheck);
    expect(referencedColumns(ast)).toEqual([{ qualifier: [], name: 'tenant_id', inSubquery: false }]);
    expect(referencedRelations(ast)).toEqual([]);
  });

  it('never throws on values that are not ASTs', () => {
    for (const value of [null, undefined, 42, 'x', [], {}, { A: 1 }]) {
      expect(referencedColumns(value)).toEqual([]);
      expect(findFunctionCalls(value)).toEqual([]);
    }
  });
});
