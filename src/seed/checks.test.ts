import { describe, expect, it } from 'vitest';
import type { Relation } from '../catalog/snapshot.ts';
import { rulesFor, tableRules } from './checks.ts';
import { parsePartitionKey } from './partitions.ts';

/** CHECK definitions as pg_get_constraintdef prints them, read into generator rules. */

function relationWithChecks(...definitions: string[]): Relation {
  return {
    columns: [],
    constraints: definitions.map((definition, i) => ({ name: `c${i}`, kind: 'check', columns: [], definition, deferrable: false })),
  } as unknown as Relation;
}

describe('tableRules', () => {
  it('reads lists, bounds, lengths, patterns, lower-case and column order', () => {
    const rules = tableRules(
      relationWithChecks(
        "CHECK ((status = ANY (ARRAY['draft'::text, 'sent'::text])))",
        'CHECK (((qty >= 1) AND (qty <= 10)))',
        'CHECK ((amount > (0)::numeric))',
        'CHECK ((char_length(name) <= 40))',
        "CHECK ((name <> ''::text))",
        "CHECK ((slug ~ '^[a-z0-9-]+$'::text))",
        'CHECK ((email = lower(email)))',
        'CHECK ((starts_at < ends_at))',
        'CHECK (((ends_at IS NULL) OR (ends_at > starts_at)))',
      ),
    );
    expect(rulesFor(rules, 'status').allowed).toEqual(['draft', 'sent']);
    expect(rulesFor(rules, 'qty')).toMatchObject({ min: 1, max: 10 });
    expect(rulesFor(rules, 'amount')).toMatchObject({ min: 0, minExclusive: true });
    expect(rulesFor(rules, 'name')).toMatchObject({ maxLength: 40, excluded: [''] });
    expect(rulesFor(rules, 'slug').patterns[0]!.test('acme-tg00a0001fk')).toBe(true);
    expect(rulesFor(rules, 'email').lowercase).toBe(true);
    expect(rules.orders).toEqual([
      { lower: 'starts_at', upper: 'ends_at', orEqual: false },
      { lower: 'starts_at', upper: 'ends_at', orEqual: false },
    ]);
    expect(rules.unparsed).toEqual([]);
  });

  it('leaves what it cannot read to the server, by name', () => {
    expect(tableRules(relationWithChecks('CHECK ((word = reverse(word)))')).unparsed).toEqual(['c0']);
  });

  it('reads partition keys', () => {
    expect(parsePartitionKey('RANGE (occurred_at)')).toEqual({ strategy: 'range', columns: ['occurred_at'] });
    expect(parsePartitionKey('LIST (region, "Zone")')).toEqual({ strategy: 'list', columns: ['region', 'Zone'] });
  });
});
