import * as fc from 'fast-check';
import { quoteIdent, quoteLiteral } from '../db/quote.ts';
import type { AttackEnv } from './probe.ts';
import { canaryPatterns, keyValues, pickOf, tenantValues } from './read-values.ts';
import type { SurfaceRelation } from './surface.ts';

/**
 * Generated WHERE / ORDER BY / LIMIT over one relation's columns, aimed at a victim: what an
 * application's search box, filter or export would send. Structure only (indexes and picks),
 * rendered against the relation and the victim at execution, so fast-check shrinks towards
 * fewer atoms, the first column, the first value, no ordering and no limit.
 */

/** One condition; `column`, `op` and `pick` are indexes taken modulo what exists. */
export interface PredicateAtom {
  kind: 'true' | 'not-null' | 'compare' | 'like-canary' | 'tenant';
  column: number;
  op: number;
  pick: number;
}

/** A read's shape: atoms ORed together (none: no WHERE), an optional ORDER BY and LIMIT. */
export interface ReadShape {
  atoms: PredicateAtom[];
  order: { column: number; desc: boolean } | null;
  limit: number | null;
}

const operators = ['=', '<>', '>=', '<', 'LIKE'] as const;

/** Arbitrary read shapes: up to three ORed atoms. */
export function readShape(): fc.Arbitrary<ReadShape> {
  const atom = fc.record({
    kind: fc.constantFrom<PredicateAtom['kind']>('compare', 'like-canary', 'tenant', 'not-null', 'true'),
    column: fc.nat(),
    op: fc.nat({ max: operators.length - 1 }),
    pick: fc.nat(),
  });
  return fc.record({
    atoms: fc.array(atom, { maxLength: 3 }),
    order: fc.option(fc.record({ column: fc.nat(), desc: fc.boolean() }), { nil: null }),
    limit: fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }),
  });
}

/** The values an atom on `column` may compare with: the victim's keys there, else any of its keys and ids. */
function valuesFor(env: AttackEnv, relation: SurfaceRelation, column: string, victim: number): string[] {
  const seeded = relation.seeded;
  if (seeded && seeded.keyColumns.includes(column)) return keyValues(seeded, victim, column);
  return [...tenantValues(env, victim), ...(seeded ? keyValues(seeded, victim) : [])];
}

/** One atom as SQL, qualified by `alias` when given. */
export function renderAtom(env: AttackEnv, relation: SurfaceRelation, atom: PredicateAtom, victim: number, alias?: string): string {
  const columns = relation.relation.columns;
  if (atom.kind === 'true' || columns.length === 0) return 'true';
  const name = atom.kind === 'tenant' && relation.tenantColumn ? relation.tenantColumn : columns[atom.column % columns.length]!.name;
  const ref = alias ? `${quoteIdent(alias)}.${quoteIdent(name)}` : quoteIdent(name);
  if (atom.kind === 'not-null') return `${ref} IS NOT NULL`;
  const value = atom.kind === 'tenant' ? pickOf(tenantValues(env, victim), 0) : atom.kind === 'compare' ? pickOf(valuesFor(env, relation, name, victim), atom.pick) : null;
  if (value === null) return `${ref}::text LIKE ${quoteLiteral(pickOf(canaryPatterns(env, victim), atom.pick)!)}`;
  const op = atom.kind === 'tenant' ? '=' : operators[atom.op]!;
  return `${ref}::text ${op} ${quoteLiteral(op === 'LIKE' ? `%${value}%` : value)}`;
}

/** ` WHERE a OR b` (empty without atoms). */
export function renderWhere(env: AttackEnv, relation: SurfaceRelation, shape: ReadShape, victim: number, alias?: string): string {
  if (shape.atoms.length === 0) return '';
  return ` WHERE ${shape.atoms.map((a) => renderAtom(env, relation, a, victim, alias)).join(' OR ')}`;
}

/** ` ORDER BY c::text [DESC] LIMIT n` (either part optional; text order, because json and friends have none). */
export function renderTail(relation: SurfaceRelation, shape: ReadShape): string {
  const columns = relation.relation.columns;
  const order = shape.order && columns.length > 0 ? ` ORDER BY ${quoteIdent(columns[shape.order.column % columns.length]!.name)}::text${shape.order.desc ? ' DESC' : ''}` : '';
  return `${order}${shape.limit === null ? '' : ` LIMIT ${shape.limit}`}`;
}
