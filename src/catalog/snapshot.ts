/**
 * The typed result of one read of pg_catalog: the only input of the audit and the map the
 * seeder and the attacks enumerate. Plain data (JSON-serialisable but for nothing), so it can
 * be saved, diffed and built by hand in tests.
 */

/** `relkind` spelled out. */
export type RelationKind =
  | 'table'
  | 'partitioned-table'
  | 'view'
  | 'materialized-view'
  | 'foreign-table'
  | 'sequence'
  | 'composite-type';

/** A parsed expression: the JSON AST of the real PostgreSQL parser (libpg-query), or null when it did not parse. */
export type ExpressionAst = unknown;

/** An SQL expression as the server prints it, and parsed. */
export interface Expression {
  text: string;
  ast: ExpressionAst | null;
}

/** One column. */
export interface Column {
  name: string;
  /** 1-based attribute number. */
  position: number;
  /** `format_type` output, e.g. `character varying(40)`, `uuid`, `bigint`, `text[]`. */
  type: string;
  /** The base type name without modifiers (`varchar`, `int8`, `uuid`, `my_enum`...), from pg_type.typname. */
  typeName: string;
  /** Type category (pg_type.typcategory): S string, N numeric, B boolean, D date/time, U user, A array, E enum... */
  typeCategory: string;
  /** Max length for varchar(n)/char(n), else null. */
  maxLength: number | null;
  /** Values of an enum type, in order; null unless the type is an enum. */
  enumValues: string[] | null;
  /** Domain base type and constraint text, when the column type is a domain. */
  domain: { baseType: string; checks: string[] } | null;
  notNull: boolean;
  /** Default expression text, or null. */
  default: string | null;
  /** `a` ALWAYS or `d` BY DEFAULT identity, else null. */
  identity: 'always' | 'by-default' | null;
  /** Generated (stored/virtual) column expression, else null. */
  generated: string | null;
}

/** A constraint of a table. */
export interface Constraint {
  name: string;
  kind: 'primary-key' | 'unique' | 'foreign-key' | 'check' | 'exclusion' | 'not-null';
  /** Constrained columns, in constraint order. */
  columns: string[];
  /** `pg_get_constraintdef` text. */
  definition: string;
  /** For foreign keys. */
  references?: { schema: string; table: string; columns: string[]; onDelete: string; onUpdate: string };
  /** For checks: the expression parsed. */
  expression?: Expression;
  deferrable: boolean;
}

/** An index. */
export interface Index {
  name: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  /** Partial-index predicate text, or null. */
  predicate: string | null;
  definition: string;
}

/** A row-level security policy. */
export interface Policy {
  name: string;
  command: 'all' | 'select' | 'insert' | 'update' | 'delete';
  permissive: boolean;
  /** Role names the policy applies to; `public` for PUBLIC. */
  roles: string[];
  using: Expression | null;
  withCheck: Expression | null;
}

/** A privilege grant; `grantee` is `public` for PUBLIC. */
export interface Grant {
  grantee: string;
  grantor: string;
  /** Upper-case privilege names: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, MAINTAIN, EXECUTE, USAGE, CREATE... */
  privilege: string;
  grantable: boolean;
}

/** A trigger. */
export interface Trigger {
  name: string;
  function: string;
  /** `pg_get_triggerdef` text. */
  definition: string;
  enabled: boolean;
}

/** A relation of any kind. */
export interface Relation {
  schema: string;
  name: string;
  oid: number;
  kind: RelationKind;
  owner: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  columns: Column[];
  constraints: Constraint[];
  indexes: Index[];
  policies: Policy[];
  triggers: Trigger[];
  /** Table-level grants (from relacl; owner's implicit rights expanded as Postgres does). */
  grants: Grant[];
  /** Column-level grants, keyed by column name. */
  columnGrants: Record<string, Grant[]>;
  /** Partition parent (for a partition), else null. */
  partitionOf: { schema: string; name: string; bound: string } | null;
  /** Partition key text (for a partitioned table), else null. */
  partitionKey: string | null;
  /** Inheritance parents (non-partition), schema-qualified `schema.name`. */
  inheritsFrom: string[];
  /** For views and materialized views: the definition and options (`security_invoker=true`, `security_barrier`, `check_option`). */
  view: { definition: string; options: Record<string, string> } | null;
  /** Relations a view or matview depends on, `schema.name`. */
  dependsOn: string[];
  /** For foreign tables: server name and options. */
  foreign: { server: string; options: Record<string, string> } | null;
  /** Estimated rows (reltuples), -1 when never analysed. */
  estimatedRows: number;
  /** The extension that owns this relation (e.g. PostGIS's `spatial_ref_sys`), else null: not the application's to secure. */
  extension: string | null;
}

/** A role. */
export interface Role {
  name: string;
  oid: number;
  superuser: boolean;
  bypassRls: boolean;
  login: boolean;
  inherit: boolean;
  createRole: boolean;
  createDb: boolean;
}

/** A membership edge: `member` is a member of `role`. */
export interface Membership {
  role: string;
  member: string;
  grantor: string;
  admin: boolean;
  /** PG 16+: privileges of `role` are inherited through this edge (before 16: the member's rolinherit). */
  inherit: boolean;
  /** PG 16+: `member` may SET ROLE to `role` (before 16: always true). */
  set: boolean;
}

/** An `ALTER DEFAULT PRIVILEGES` entry. */
export interface DefaultPrivilege {
  role: string;
  schema: string | null;
  objectType: 'table' | 'sequence' | 'function' | 'type' | 'schema';
  grants: Grant[];
}

/** A function or procedure. */
export interface Function {
  schema: string;
  name: string;
  oid: number;
  /** `pg_get_function_identity_arguments`, e.g. `p_id uuid, p_limit integer`. */
  arguments: string;
  returns: string;
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  language: string;
  securityDefiner: boolean;
  volatility: 'immutable' | 'stable' | 'volatile';
  leakproof: boolean;
  strict: boolean;
  /** Function-level settings (proconfig), e.g. `{ search_path: 'pg_catalog, public' }`. */
  settings: Record<string, string>;
  owner: string;
  /** Source text (prosrc; for SQL-standard bodies, the deparsed body). */
  source: string;
  /** Relations the body is bound to (`schema.name`, from pg_depend): set for SQL-standard bodies (BEGIN ATOMIC / RETURN), empty for others. */
  dependsOn: string[];
  grants: Grant[];
  /** The extension that owns this function (e.g. `postgres_fdw`), else null. */
  extension: string | null;
}

/** A schema (namespace). */
export interface Schema {
  name: string;
  owner: string;
  grants: Grant[];
}

/** Everything `introspect()` reads, for user schemas (pg_catalog, information_schema and pg_toast are left out). */
export interface CatalogSnapshot {
  serverVersion: string;
  serverVersionNum: number;
  database: string;
  /** The role that took the snapshot. */
  currentUser: string;
  schemas: Schema[];
  relations: Relation[];
  roles: Role[];
  memberships: Membership[];
  defaultPrivileges: DefaultPrivilege[];
  functions: Function[];
  /** Settings relevant to RLS: row_security, and the custom GUCs that exist (e.g. app.tenant_id). */
  settings: Record<string, string>;
  /** When the snapshot was taken (ISO). */
  takenAt: string;
}
