import { beforeAll, describe, expect, it } from 'vitest';
import { nameParts } from '../catalog/ast.ts';
import type { Relation } from '../catalog/snapshot.ts';
import { loadExpressionParser, toExpression, type ExpressionParser } from '../catalog/parse-expression.ts';
import { alterPolicyClauses, contextExpression, rewriteCalls } from './policy-fix.ts';

let parse: ExpressionParser;
beforeAll(async () => {
  parse = await loadExpressionParser();
});

const expression = (text: string) => toExpression(parse, text)!;
const named = (name: string) => (node: { fields: Record<string, unknown> }) => nameParts(node.fields.funcname).at(-1) === name;

// Texts below are what PostgreSQL prints for the policies (pg_get_expr).
describe('fix SQL from policy texts', () => {
  it('rewrites exactly the calls the AST locates, nested and quoted ones included', () => {
    expect(rewriteCalls(expression('(tenant_id = app.current_tenant())'), named('current_tenant'), (call) => `( SELECT ${call})`)).toBe('(tenant_id = ( SELECT app.current_tenant()))');
    expect(
      rewriteCalls(expression("((tenant_id = app.tenant_of(current_setting('app.x)'::text))) AND (app.tenant_of('y'::text) IS NOT NULL))"), named('tenant_of'), (call) => `( SELECT ${call})`),
    ).toBe("((tenant_id = ( SELECT app.tenant_of(current_setting('app.x)'::text)))) AND (( SELECT app.tenant_of('y'::text)) IS NOT NULL))");
    expect(rewriteCalls(expression('("left"(tid, 8) = \'x\'::text)'), named('left'), () => 'tid')).toBe("(tid = 'x'::text)");
  });

  it('writes ALTER POLICY with the clauses that changed', () => {
    const policy = { name: 'tasks read', using: expression('(tenant_id = app.current_tenant())'), withCheck: expression('true') };
    expect(alterPolicyClauses({ schema: 'public', name: 'tasks' } as Relation, policy, (e) => rewriteCalls(e, named('current_tenant'), (c) => `( SELECT ${c})`))).toBe(
      'ALTER POLICY "tasks read" ON "public"."tasks"\n  USING (tenant_id = ( SELECT app.current_tenant()));',
    );
    expect(alterPolicyClauses({ schema: 'public', name: 'tasks' } as Relation, policy, (e) => e.text)).toBeNull();
  });

  it('casts the context to the column type, leaving text alone', () => {
    expect(contextExpression('app.tenant_id', 'uuid')).toBe("nullif(current_setting('app.tenant_id', true), '')::uuid");
    expect(contextExpression('app.tenant_id', 'character varying(40)')).toBe("nullif(current_setting('app.tenant_id', true), '')");
    expect(contextExpression('app.tenant_id', 'bigint')).toBe("nullif(current_setting('app.tenant_id', true), '')::bigint");
  });
});
