import type { QualifiedName } from './names.ts';

/**
 * How the application logs in as its role: with its own password, or by connecting as an
 * authenticator (the admin connection here) and switching with `SET ROLE` per transaction.
 */
export type AppLogin = { method: 'password'; password: string } | { method: 'set-role' };

/**
 * How the application tells the database the current tenant, once per transaction.
 * `setting`: `set_config(setting, value, true)`. `statement`: the application's own SQL
 * with `$1` standing for the value (e.g. `select auth.login($1)`).
 */
export type TenantContext =
  | { kind: 'setting'; setting: string }
  | { kind: 'statement'; sql: string };

/**
 * What the context carries: the tenant id itself, or a user id whose tenants come from a
 * membership table (the `auth.uid()` pattern).
 */
export type TenancySubject =
  | { kind: 'tenant' }
  | {
      kind: 'user';
      membershipTable: QualifiedName;
      userColumn: string;
      tenantColumn: string;
    };

/** The resolved tenancy model of a target: everything later phases need to act as the app. */
export interface Tenancy {
  /** Column names that mark a table as tenant-owned (e.g. `tenant_id`). */
  tenantColumns: string[];
  /** The registry of tenants whose key is the tenant id, when there is one. */
  tenantTable?: QualifiedName;
  /** The role the application runs as. */
  appRole: { name: string; login: AppLogin };
  context: TenantContext;
  subject: TenancySubject;
  /** Human-readable notes on what was inferred from the catalog rather than given. */
  inferred: string[];
}
