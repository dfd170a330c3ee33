import { beforeAll, describe, expect, it } from 'vitest';
import type { Column } from '../catalog/snapshot.ts';
import { loadExpressionParser, type ExpressionParser } from '../catalog/parse-expression.ts';
import { collisions, identityComparisons } from './policy-comparisons.ts';
import type { ShapeEnvironment } from './policy-shape.ts';

let parse: ExpressionParser;
beforeAll(async () => {
  parse = await loadExpressionParser();
});

const context = { settings: new Set(['app.tenant_id']), functions: [{ schema: 'app', name: 'current_tenant', setting: 'app.tenant_id', missingOk: true }] };
const env: ShapeEnvironment = { tenantColumns: ['tenant_id', 'tid', 'bid'], identityColumns: ['tenant_id', 'tid', 'bid'], context };
const ops = (text: string) => identityComparisons(parse(text)!, env).map((c) => `${c.kind} ${c.operator}`);
const setting = "current_setting('app.tenant_id'::text, true)";
const text = { typeName: 'text', typeCategory: 'S' } as Column;
const uuid = { typeName: 'uuid', typeCategory: 'U' } as Column;
const bigint = { typeName: 'int8', typeCategory: 'N' } as Column;
const why = (expression: string, column: Column) => identityComparisons(parse(expression)!, env).flatMap((c) => collisions(c, column).map((x) => x.why));

// Texts below are what PostgreSQL 18 prints for the policies (pg_get_expr), e.g. LIKE as ~~.
describe('identity comparisons (server-deparsed texts)', () => {
  it('classifies equality, IN, = ANY, IS NOT DISTINCT FROM and sub-selects as equality', () => {
    expect(ops(`(tenant_id = (NULLIF(${setting}, ''::text))::uuid)`)).toEqual(['equality =']);
    expect(ops('(tenant_id = ANY (ARRAY[app.current_tenant()]))')).toEqual(['equality =']);
    expect(ops('(NOT (tenant_id IS DISTINCT FROM app.current_tenant()))')).toEqual(['equality =']);
    expect(ops(`(tenant_id IN ( SELECT m.tenant_id FROM memberships m WHERE (m.user_id = (${setting})::uuid)))`)).toEqual(['equality =']);
    expect(ops(`(EXISTS ( SELECT 1 FROM invoices i WHERE ((i.id = invoice_line_items.invoice_id) AND (i.tenant_id = (${setting})::uuid))))`)).toEqual(['equality =']);
  });

  it('classifies patterns, prefixes, regexes and ranges', () => {
    expect(ops(`(tid ~~ (${setting} || '%'::text))`)).toEqual(['pattern ~~']);
    expect(ops(`(tid ~~* ${setting})`)).toEqual(['pattern ~~*']);
    expect(ops(`(tid ~ similar_to_escape(${setting}))`)).toEqual(['pattern ~']);
    expect(ops(`(tid ^@ ${setting})`)).toEqual(['pattern ^@']);
    expect(ops(`starts_with(tid, ${setting})`)).toEqual(['function starts_with']);
    expect(ops(`(POSITION((${setting}) IN (tid)) > 0)`)).toEqual(['function position']);
    expect(ops(`(strpos(tid, ${setting}) = 1)`)).toEqual(['function strpos']);
    expect(ops(`((bid >= (${setting})::bigint) AND (bid <= ((${setting})::bigint + 10)))`)).toEqual(['range >=', 'range <=']);
    expect(ops('(tenant_id IS DISTINCT FROM app.current_tenant())')).toEqual(['inequality =']);
  });

  it('ignores comparisons that do not involve both an identity column and the context', () => {
    expect(ops('(tenant_id = owner)')).toEqual([]);
    expect(ops(`(status = ${setting})`)).toEqual([]);
    expect(ops("(tid ~~ 'a%'::text)")).toEqual([]);
  });

  it('finds wrappers that fold distinct ids together', () => {
    expect(why(`(lower(tid) = lower(${setting}))`, text)).toEqual([
      'lower() makes ids that differ only in case or spacing equal',
      'lower() makes ids that differ only in case or spacing equal',
    ]);
    expect(why(`("left"(tid, 8) = "left"(${setting}, 8))`, text)).toHaveLength(1);
    expect(why(`(SUBSTRING(tid FROM 1 FOR 4) = ${setting})`, text)[0]).toMatch(/substring\(\) compares part of the id/);
    expect(why(`(hashtext(tid) = hashtext(${setting}))`, text)[0]).toMatch(/short hash/);
    expect(why(`(((tid)::character varying(8))::text = ${setting})`, text)[0]).toMatch(/varchar\(8\) truncates/);
    expect(why(`((bid)::real = (${setting})::real)`, bigint)[0]).toMatch(/float4 loses precision/);
    expect(why(`((tid)::integer = (${setting})::integer)`, text)[0]).toMatch(/'01' and '1'/);
  });

  it('accepts plain equality, harmless casts and case folding of a uuid', () => {
    expect(why(`(tenant_id = (NULLIF(${setting}, ''::text))::uuid)`, uuid)).toEqual([]);
    expect(why(`(lower((tenant_id)::text) = lower(${setting}))`, uuid)).toEqual([]);
    expect(why(`(bid = (${setting})::bigint)`, bigint)).toEqual([]);
    expect(why(`(md5(tid) = md5(${setting}))`, text)).toEqual([]);
    // Taking part of a structured context is extraction, not truncation of the id.
    expect(why(`(tenant_id = (split_part(${setting}, ':'::text, 1))::uuid)`, uuid)).toEqual([]);
  });
});
