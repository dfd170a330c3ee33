import type { QualifiedName } from './names.ts';

/**
 * The ground truth of a seeded database (DESIGN §4): which tenant owns every row, and where
 * the canaries are. Produced by `seed/`, read by attacks and reports.
 */
export interface SeedManifest {
  runSeed: number;
  /** The canary run tag (see `CanaryCodec`). */
  runTag: string;
  tenants: SeededTenant[];
  tables: SeededTable[];
  /** Rows or tables that could not be made, with the reason. Never silently skipped. */
  problems: SeedProblem[];
  totalRows: number;
  durationMs: number;
  /** How the manifest was made, when that limits it (e.g. derived from existing data: no canaries). */
  notes?: string[];
}

/** One seeded tenant; `index` is what canaries encode. */
export interface SeededTenant {
  index: number;
  /** The tenant id as Postgres prints it (text form). */
  id: string;
  /** For a membership tenancy: user ids that belong to this tenant only. */
  users?: string[];
}

/** How a table's rows get their owning tenant. */
export type Ownership =
  /** The table holds the tenants themselves; each row is owned by the tenant it describes. */
  | { kind: 'registry' }
  /** A tenant column on the row names the owner. */
  | { kind: 'column'; column: string }
  /** No tenant column; the owner comes through this foreign-key path (table names in order). */
  | { kind: 'path'; via: string[] }
  /**
   * No tenant column and no path up, but protected by row-level security and referenced by
   * one tenant's rows only (users reached through memberships): owned by the tenant whose
   * rows in `by` reference it.
   */
  | { kind: 'referenced'; by: string }
  /** Not owned by any tenant (reference data). */
  | { kind: 'shared' };

/** What was seeded into one table. */
export interface SeededTable {
  table: QualifiedName;
  ownership: Ownership;
  /** Columns that identify a row (primary key, else a unique key, else all seeded columns). */
  keyColumns: string[];
  /** Row keys (text form, in `keyColumns` order) per owning tenant index; shared rows under -1. */
  keys: Map<number, string[][]>;
  /** Columns whose every value is a canary of the row's owner. */
  canaryColumns: string[];
  /** Seeded columns that cannot hold canaries, with the reason (type, constraint, length). */
  plainColumns: { column: string; reason: string }[];
  rowCount: number;
}

/** A table, or some of its rows, that the seeder could not make. */
export interface SeedProblem {
  table: string;
  reason: string;
}
