import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexSchemaSources } from './source-locations.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenantguard-locations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('indexSchemaSources', () => {
  it('points at the line and column that created each object, counting characters (not bytes)', async () => {
    const file = join(dir, 'schema.sql');
    writeFileSync(
      file,
      [
        '-- Überschrift: a comment with multi-byte characters',
        'CREATE TABLE app.notes (id int);',
        '',
        '/* policies */',
        'CREATE POLICY notes_read ON app.notes USING (true);',
        "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'select 1';",
        'CREATE VIEW note_list AS SELECT 1;',
        'CREATE MATERIALIZED VIEW app.totals AS SELECT 1;',
      ].join('\n'),
    );
    const locate = await indexSchemaSources([{ path: file, shown: 'db/schema.sql' }]);
    expect(locate('table', 'app', 'notes')).toEqual({ file: 'db/schema.sql', line: 2, column: 14 });
    expect(locate('policy', 'app', 'notes_read', 'notes')).toEqual({ file: 'db/schema.sql', line: 5, column: 1 });
    expect(locate('function', 'app', 'f')).toEqual({ file: 'db/schema.sql', line: 6, column: 1 });
    expect(locate('view', 'public', 'note_list')).toMatchObject({ line: 7 });
    expect(locate('view', 'app', 'totals')).toMatchObject({ line: 8 });
    expect(locate('table', 'public', 'missing')).toBeUndefined();
  });

  it('skips a file that does not parse instead of failing', async () => {
    const file = join(dir, 'bad.sql');
    writeFileSync(file, 'CREATE TABLE (;');
    const locate = await indexSchemaSources([{ path: file, shown: 'bad.sql' }]);
    expect(locate('table', 'public', 'x')).toBeUndefined();
  });
});
