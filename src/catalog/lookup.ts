import type { CatalogSnapshot, Relation } from './snapshot.ts';

/** The relation named `schema.name` in a snapshot; throws when there is none. */
export function findRelation(snapshot: CatalogSnapshot, qualified: string): Relation {
  const found = snapshot.relations.find((r) => `${r.schema}.${r.name}` === qualified);
  if (!found) throw new Error(`the catalog snapshot has no relation ${qualified}`);
  return found;
}
