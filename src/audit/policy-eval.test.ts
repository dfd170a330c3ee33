import { beforeAll, describe, expect, it } from 'vitest';
import { loadExpressionParser, type ExpressionParser } from '../catalog/parse-expression.ts';
import { evaluate, type Situation } from './policy-eval.ts';

let parse: ExpressionParser;
beforeAll(async () => {
  parse = await loadExpressionParser();
});

const context = {
  settings: new Set(['app.tenant_id']),
  functions: [{ schema: 'app', name: 'current_tenant', setting: 'app.tenant_id', missingOk: true }],
};
const truth = (expression: string, situation: Situation) =>
  evaluate(parse(expression), { tenantColumns: ['tenant_id'], context, situation });
const all = (expression: string) => (['unset', 'empty', 'other-tenant'] as const).map((s) => truth(expression, s));

describe('policy evaluation under context situations (server-deparsed texts)', () => {
  it('the right way never admits another tenant: NULL or error when unset or reset, false for another tenant', () => {
    expect(all("(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)")).toEqual(['null', 'null', 'false']);
    expect(all("(tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid AS uuid))")).toEqual(['null', 'null', 'false']);
    expect(all("(tenant_id = (current_setting('app.tenant_id'::text))::uuid)")).toEqual(['error', 'error', 'false']);
    expect(all('(tenant_id = app.current_tenant())')).toEqual(['null', 'unknown', 'false']);
  });

  it('finds policies that open when the context is missing or reset', () => {
    expect(all("((current_setting('app.tenant_id'::text, true) IS NULL) OR (tenant_id = (current_setting('app.tenant_id'::text, true))::uuid))")[0]).toBe('true');
    expect(all("((COALESCE(current_setting('app.tenant_id'::text, true), ''::text) = ''::text) OR (tenant_id = (current_setting('app.tenant_id'::text, true))::uuid))").slice(0, 2)).toEqual(['true', 'true']);
    expect(all("(tenant_id = COALESCE((NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid, tenant_id))").slice(0, 2)).toEqual(['true', 'true']);
  });

  it('finds policies that admit other tenants outright', () => {
    expect(all('true')).toEqual(['true', 'true', 'true']);
    expect(truth('(tenant_id IS NOT NULL)', 'other-tenant')).toBe('true');
    expect(truth('(tenant_id = tenant_id)', 'other-tenant')).toBe('true');
    expect(truth("((tenant_id = (current_setting('app.tenant_id'::text, true))::uuid) OR true)", 'other-tenant')).toBe('true');
  });

  it('leaves what it cannot decide to the attacks', () => {
    expect(truth("(tenant_id IN ( SELECT m.tenant_id FROM memberships m WHERE (m.user_id = (current_setting('app.user_id'::text))::uuid)))", 'other-tenant')).toBe('unknown');
    expect(truth("((tenant_id)::text ~~ (current_setting('app.tenant_id'::text, true) || '%'::text))", 'other-tenant')).toBe('unknown');
  });
});
