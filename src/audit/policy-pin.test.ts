import { beforeAll, describe, expect, it } from 'vitest';
import type { Relation } from '../catalog/snapshot.ts';
import { loadExpressionParser, type ExpressionParser } from '../catalog/parse-expression.ts';
import { judgeClause, tenantPin } from './policy-pin.ts';
import type { ShapeEnvironment } from './policy-shape.ts';

let parse: ExpressionParser;
beforeAll(async () => {
  parse = await loadExpressionParser();
});

const context = { settings: new Set(['app.tenant_id']), functions: [{ schema: 'app', name: 'current_tenant', setting: 'app.tenant_id', missingOk: true }] };
const env: ShapeEnvironment = { tenantColumns: ['tenant_id'], identityColumns: ['tenant_id'], context };
const target = { table: 'documents', column: 'tenant_id' };
const pin = (text: string) => tenantPin(parse(text)!, target, env);
const ctx = "(NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid";
const judge = (text: string, column: string | null = 'tenant_id') => judgeClause({ text, ast: parse(text) }, { name: 'documents' } as Relation, column, env);

// Texts below are what PostgreSQL prints for the policies (pg_get_expr).
describe('tenant pin (server-deparsed texts)', () => {
  it('pins on equality with the context, directly, in a sub-select, or through memberships', () => {
    expect(pin(`(tenant_id = ${ctx})`)).toBe('yes');
    expect(pin('(tenant_id = ( SELECT app.current_tenant() AS current_tenant))')).toBe('yes');
    expect(pin(`((tenant_id = ${ctx}) AND (status = 'open'::text))`)).toBe('yes');
    expect(pin(`(tenant_id IN ( SELECT m.tenant_id FROM memberships m WHERE (m.user_id = (current_setting('app.tenant_id'::text, true))::uuid)))`)).toBe('yes');
    expect(pin(`(EXISTS ( SELECT 1 FROM memberships m WHERE ((m.tenant_id = documents.tenant_id) AND (m.user_id = ${ctx}))))`)).toBe('yes');
    // A weak operator still ties the column to the context (tenant-comparison-not-equality judges it).
    expect(pin(`((tenant_id)::text ~~ (current_setting('app.tenant_id'::text, true) || '%'::text))`)).toBe('yes');
  });

  it('does not pin when the column is compared to a constant or another column, or an OR branch escapes', () => {
    expect(pin('(tenant_id = owner_tenant_id)')).toBe('no');
    expect(pin(`((tenant_id = ${ctx}) OR (tenant_id = '00000000-0000-0000-0000-000000000000'::uuid))`)).toBe('no');
    expect(pin(`((tenant_id = ${ctx}) OR is_public)`)).toBe('no');
    expect(pin(`(tenant_id IN ( SELECT m.tenant_id FROM memberships m WHERE (m.role = 'admin'::text)))`)).toBe('no');
    expect(pin(`(EXISTS ( SELECT 1 FROM memberships m WHERE (m.user_id = ${ctx})))`)).toBe('no');
    expect(pin(`(current_setting('app.tenant_id'::text, true) IS NOT NULL)`)).toBe('no');
  });

  it('ignores OR branches that cannot be TRUE once a tenant is set, and leaves functions of the row undecided', () => {
    expect(pin(`((current_setting('app.tenant_id'::text, true) IS NULL) OR (tenant_id = ${ctx}))`)).toBe('yes');
    expect(pin('app.can_read(project_id)')).toBe('no');
    expect(pin('app.can_read(project_id, app.current_tenant())')).toBe('unknown');
  });
});

describe('clause judgement', () => {
  it('names why a clause is open', () => {
    expect(judge('true')).toMatchObject({ verdict: 'open', reason: 'admits-other-tenant' });
    expect(judge("(status = 'open'::text)")).toMatchObject({ verdict: 'open', reason: 'never-reads-context' });
    expect(judge(`((tenant_id = owner_tenant_id) AND (current_setting('app.tenant_id'::text, true) IS NOT NULL))`)).toEqual({
      verdict: 'open',
      reason: 'tenant-not-pinned',
      detail: 'tenant_id is compared to column owner_tenant_id, not to the tenant context',
    });
    expect(judge(`((tenant_id = ${ctx}) OR (tenant_id = '00000000-0000-0000-0000-000000000000'::uuid))`)).toMatchObject({
      detail: "tenant_id is compared to the constant '00000000-0000-0000-0000-000000000000', not to the tenant context",
    });
  });

  it('accepts a table without a tenant column that reads the context anywhere', () => {
    expect(judge(`(EXISTS ( SELECT 1 FROM invoices i WHERE ((i.id = documents.invoice_id) AND (i.tenant_id = ${ctx}))))`, null)).toEqual({ verdict: 'pins' });
    expect(judge("(status = 'open'::text)", null)).toMatchObject({ verdict: 'open', reason: 'never-reads-context' });
    expect(judge(`(tenant_id = ${ctx})`)).toEqual({ verdict: 'pins' });
  });
});
