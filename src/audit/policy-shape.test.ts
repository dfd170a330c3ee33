import { beforeAll, describe, expect, it } from 'vitest';
import type { CatalogSnapshot, Function as CatalogFunction } from '../catalog/snapshot.ts';
import { loadExpressionParser, type ExpressionParser } from '../catalog/parse-expression.ts';
import { contextReads, expandContextFunctions, operandOf, readsContext, type ShapeEnvironment } from './policy-shape.ts';

let parse: ExpressionParser;
beforeAll(async () => {
  parse = await loadExpressionParser();
});

const context = {
  settings: new Set(['app.tenant_id']),
  functions: [{ schema: 'app', name: 'current_tenant', setting: 'app.tenant_id', missingOk: true }],
};
const env: ShapeEnvironment = { tenantColumns: ['tenant_id'], identityColumns: ['tenant_id'], context };
const ast = (text: string) => parse(text)!;

describe('context reads (server-deparsed texts)', () => {
  it('finds current_setting of a context setting and context functions, sub-selects included', () => {
    expect(contextReads(ast("(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)"), context)).toEqual([
      { kind: 'setting', setting: 'app.tenant_id', missingOk: true, inSubquery: false },
    ]);
    expect(contextReads(ast("(tenant_id = (current_setting('app.tenant_id'::text))::uuid)"), context)[0]).toMatchObject({ missingOk: false });
    expect(contextReads(ast('(tenant_id = ( SELECT app.current_tenant() AS current_tenant))'), context)).toEqual([
      { kind: 'function', function: context.functions[0], inSubquery: true },
    ]);
    expect(readsContext(ast("(EXISTS ( SELECT 1 FROM invoices i WHERE ((i.id = invoice_line_items.invoice_id) AND (i.tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid))))"), context)).toBe(true);
  });

  it('ignores other settings, other functions and constants', () => {
    expect(readsContext(ast("(current_setting('search_path'::text) <> ''::text)"), context)).toBe(false);
    expect(readsContext(ast('(tenant_id = other.current_tenant())'), context)).toBe(false);
    expect(readsContext(ast('true'), context)).toBe(false);
  });

  it('adds functions that read the context through another context function', () => {
    const fn = (schema: string, name: string, source: string) => ({ schema, name, source }) as CatalogFunction;
    const snapshot = {
      functions: [fn('app', 'tenant', 'select app.current_tenant()'), fn('app', 'tenant2', 'begin return app.tenant(); end'), fn('app', 'unrelated', 'select 1')],
    } as CatalogSnapshot;
    const expanded = expandContextFunctions(snapshot, context);
    expect(expanded.functions.map((f) => `${f.schema}.${f.name}`)).toEqual(['app.current_tenant', 'app.tenant', 'app.tenant2']);
    expect(expanded.functions[2]).toMatchObject({ setting: 'app.tenant_id', missingOk: true });
  });
});

describe('operands: the identity column and the context read, through casts and functions', () => {
  it('reaches the column through casts and functions, outermost first', () => {
    const operand = operandOf((ast("(lower((tenant_id)::text) = 'x'::text)") as { A_Expr: { lexpr: unknown } }).A_Expr.lexpr, env);
    expect(operand.column?.ref).toEqual({ qualifier: [], name: 'tenant_id' });
    expect(operand.column?.path).toEqual([
      { kind: 'function', name: 'lower', schema: null },
      { kind: 'cast', type: 'text', typmods: [] },
    ]);
    expect(operand.readsContext).toBe(false);
  });

  it('reaches the context through nullif, casts and a plain scalar sub-select, with typmods', () => {
    const right = (text: string) => operandOf((ast(text) as { A_Expr: { rexpr: unknown } }).A_Expr.rexpr, env);
    expect(right("(tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid AS uuid))").context?.path).toEqual([{ kind: 'cast', type: 'uuid', typmods: [] }]);
    expect(right("((tid)::text = ((current_setting('app.tenant_id'::text, true))::character varying(8))::text)").context?.path).toEqual([
      { kind: 'cast', type: 'text', typmods: [] },
      { kind: 'cast', type: 'varchar', typmods: [8] },
    ]);
  });

  it('does not look for the column inside a sub-select that is not a plain scalar one', () => {
    const operand = operandOf(ast("( SELECT m.tenant_id FROM memberships m WHERE (m.user_id = (current_setting('app.tenant_id'::text, true))::uuid) LIMIT 1)"), env);
    expect(operand.column).toBeNull();
    expect(operand.readsContext).toBe(true);
  });
});
