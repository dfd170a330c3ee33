import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, useTestServer } from '../../test/helpers/database.ts';
import { withClient } from './connect.ts';
import { inlineParameters, literalOf, PlaceholderCache, splitPlaceholders, UninlinableParameterError } from './inline-params.ts';

describe('splitPlaceholders', () => {
  it('cuts at $n in code only', () => {
    expect(splitPlaceholders('select $1, $2::int')).toEqual(['select ', 1, ', ', 2, '::int']);
    // Inside literals, quoted identifiers, comments and dollar quotes, $n is text.
    expect(splitPlaceholders(`select '$1', "a$1", $$ $1 $$, $fn$ '$2' $fn$ -- $3\n, /* $4 /* $5 */ */ $6`)).toEqual([
      `select '$1', "a$1", $$ $1 $$, $fn$ '$2' $fn$ -- $3\n, /* $4 /* $5 */ */ `,
      6,
      '',
    ]);
    // Doubled quotes and E'' backslash escapes do not end a literal early.
    expect(splitPlaceholders(`select 'it''s $1', E'\\' $2', $3`)).toEqual([`select 'it''s $1', E'\\' $2', `, 3, '']);
    // Identifiers and positional names that merely contain `$` are left alone.
    expect(splitPlaceholders('select a$1 from t where x = $10')).toEqual(['select a$1 from t where x = ', 10, '']);
  });

  it('refuses what cannot be a literal, naming the parameter', () => {
    expect(() => inlineParameters('select $2', ['a'])).toThrow(/\$2 cannot be inlined: only 1 value/);
    expect(() => literalOf('a\u0000b', 3)).toThrow(UninlinableParameterError);
    expect(() => literalOf(Buffer.from('x'))).toThrow(/binary/);
    expect(literalOf(null)).toBe('NULL');
    expect(literalOf(undefined)).toBe('NULL');
  });

  it('caches a bounded number of statements', () => {
    const cache = new PlaceholderCache(2);
    for (let i = 0; i < 5; i++) expect(cache.inline(`select $1 + ${i}`, [1])).toBe(`select '1' + ${i}`);
  });
});

// The whole point: an inlined statement means what the parameterised one meant. Every value is
// compared against the server's own reading of the same value sent as a parameter.
describe('inlined literals against Postgres', () => {
  const server = useTestServer();

  it('read back exactly as the same values sent as parameters', async () => {
    const url = await createTestDatabase(server(), 'inline');
    await withClient(url, async (client) => {
      await client.query('set standard_conforming_strings = off');
      const value = fc.oneof(
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: fc.constantFrom("'", '\\', '"', '$', '-', '/', '*', 'E', ';', '\n', 'a') }),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.date({ noInvalidDate: true, min: new Date('1900-01-01'), max: new Date('2200-01-01') }),
        fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '{', '\\', "'") }), { maxLength: 4 }),
        fc.constant(null),
      ).filter((v) => typeof v !== 'string' || !v.includes('\u0000'));
      await fc.assert(
        fc.asyncProperty(value, async (v) => {
          const sql = `select $1::text as v, $1::text is null as n`;
          const expected = (await client.query(sql, [v])).rows[0];
          const got = (await client.query(inlineParameters(sql, [v]))).rows[0];
          expect(got).toEqual(expected);
        }),
        { numRuns: 300, seed: 42 },
      );
      // Untyped contexts resolve the same way: limit, offset, comparisons with a uuid column.
      const inlined = inlineParameters(`select x from generate_series(1, 10) x where $3::uuid is not null limit $1 offset $2`, [3, 2, '00000000-0000-4000-8000-000000000000']);
      expect((await client.query(inlined)).rows).toEqual([{ x: 3 }, { x: 4 }, { x: 5 }]);
    });
  }, 60_000);
});
