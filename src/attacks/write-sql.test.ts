import { describe, expect, it } from 'vitest';
import type { Column, Relation } from '../catalog/snapshot.ts';
import { changeOf, freshUniques, freshValue, indexColumns, insertSql, rowValues, uniqueColumns } from './write-sql.ts';

function column(name: string, typeName: string, extra: Partial<Column> = {}): Column {
  const type = typeName === 'varchar' ? 'character varying(8)' : typeName;
  return { name, position: 0, type, typeName, typeCategory: typeName === 'text' || typeName === 'varchar' ? 'S' : typeName === 'uuid' ? 'U' : 'N', maxLength: typeName === 'varchar' ? 8 : null, enumValues: null, domain: null, notNull: true, default: null, identity: null, generated: null, ...extra };
}

const relation = {
  schema: 'public',
  name: 'customers',
  columns: [column('tenant_id', 'uuid'), column('id', 'int8', { identity: 'always' }), column('email', 'text'), column('code', 'varchar'), column('n', 'int4')],
  indexes: [
    { name: 'pk', columns: ['tenant_id', 'id'], unique: true, primary: true, predicate: null, definition: '' },
    { name: 'email_key', columns: ['lower(email)'], unique: true, primary: false, predicate: null, definition: '' },
    { name: 'code_key', columns: ['code'], unique: true, primary: false, predicate: null, definition: '' },
  ],
  constraints: [{ name: 'fk', kind: 'foreign-key', columns: ['tenant_id'], definition: '', deferrable: false, references: { schema: 'public', table: 'tenants', columns: ['id'], onDelete: 'a', onUpdate: 'a' } }],
} as unknown as Relation;

describe('write-sql', () => {
  it('finds the columns of unique keys, expression entries included', () => {
    expect(indexColumns(relation, ['lower(email)'])).toEqual(['email']);
    expect([...uniqueColumns(relation)].sort()).toEqual(['code', 'email', 'id', 'tenant_id']);
  });

  it('makes fresh values that fit the type, are deterministic and never touch references or identities', () => {
    expect(freshValue(column('x', 'uuid'), 10)).toBe('00000000-0000-4000-8000-00000000000a');
    expect(freshValue(column('x', 'varchar'), 123456)!.length).toBeLessThanOrEqual(8);
    expect(freshValue(column('x', 'jsonb', { typeCategory: 'U' }), 1)).toBeNull();
    const fresh = freshUniques(relation, new Set(), 5);
    expect([...fresh.keys()].sort()).toEqual(['code', 'email']);
    expect(fresh.get('email')).toBe("'zz-fresh-5'::text");
  });

  it('changes a value without leaving its type, and leaves enums alone', () => {
    expect(changeOf(column('n', 'int4'), 't."n"')).toBe('t."n" + 1');
    expect(changeOf(column('code', 'varchar'), '"code"')).toBe(`left("code", 7) || '~'`);
    expect(changeOf(column('s', 'text', { enumValues: ['a'] }), '"s"')).toBeNull();
  });

  it('builds an INSERT from a template row with overrides, as literals cast to the column type', () => {
    const row = rowValues(relation, { tenant_id: 'a0', id: '1', email: "o'neil", code: 'c', n: null }, new Map([['code', "'z'::text"]]));
    expect(insertSql(relation, row, 'values', ' RETURNING *')).toBe(
      `INSERT INTO "public"."customers" ("tenant_id", "email", "code", "n") VALUES ('a0'::uuid, 'o''neil'::text, 'z'::text, NULL) RETURNING *`,
    );
    expect(insertSql(relation, row, 'select')).toContain(`("tenant_id", "email", "code", "n") SELECT 'a0'::uuid`);
  });
});
