import { HarnessError, messageOf } from '../core/errors.ts';
import type { SqlClient } from '../core/sql.ts';
import { loadExpressionParser } from './parse-expression.ts';
import { readColumns } from './queries/columns.ts';
import { readConstraints, readIndexes } from './queries/constraints.ts';
import { schemasParam } from './queries/fragments.ts';
import { readFunctions } from './queries/functions.ts';
import { readPolicies, readTriggers } from './queries/policies.ts';
import { readRelations } from './queries/relations.ts';
import { readMemberships, readRoles } from './queries/roles.ts';
import { readDefaultPrivileges, readSchemas } from './queries/schemas.ts';
import { readServerInfo, readSettings } from './queries/server.ts';
import { inReadOnlySnapshot } from './read-only.ts';
import type { CatalogSnapshot, Relation } from './snapshot.ts';

/** Options of {@link introspect}. */
export interface IntrospectOptions {
  /** Only these schemas (default: every schema but pg_catalog, information_schema, pg_toast*, pg_temp*). Roles and memberships are cluster-wide and always read whole. */
  schemas?: string[];
}

/**
 * Reads the catalog into a {@link CatalogSnapshot}: one read-only REPEATABLE READ transaction,
 * one query per kind of object (about a dozen round trips, whatever the schema's size).
 *
 * Works for any role that can read pg_catalog (no superuser needed): it reads pg_roles
 * rather than pg_authid and never touches user data. The client must be idle (not inside a
 * transaction). Failures become `introspect-failed` HarnessErrors.
 */
export async function introspect(client: SqlClient, options: IntrospectOptions = {}): Promise<CatalogSnapshot> {
  const schemas = schemasParam(options.schemas);
  const parse = await loadExpressionParser();
  try {
    return await inReadOnlySnapshot(client, async (tx) => {
      // Sequential on purpose: one client runs one query at a time anyway, and a fixed order
      // keeps failures reproducible.
      const server = await readServerInfo(tx);
      const heads = await readRelations(tx, schemas);
      const columns = await readColumns(tx, schemas);
      const constraints = await readConstraints(tx, schemas, parse);
      const indexes = await readIndexes(tx, schemas);
      const policies = await readPolicies(tx, schemas, parse);
      const triggers = await readTriggers(tx, schemas);
      const relations = heads.map(
        (head): Relation => ({
          ...head,
          columns: columns.get(head.oid)?.columns ?? [],
          columnGrants: columns.get(head.oid)?.columnGrants ?? {},
          constraints: constraints.get(head.oid) ?? [],
          indexes: indexes.get(head.oid) ?? [],
          policies: policies.get(head.oid) ?? [],
          triggers: triggers.get(head.oid) ?? [],
        }),
      );
      return {
        serverVersion: server.serverVersion,
        serverVersionNum: server.serverVersionNum,
        database: server.database,
        currentUser: server.currentUser,
        schemas: await readSchemas(tx, schemas),
        relations,
        roles: await readRoles(tx),
        memberships: await readMemberships(tx, server.serverVersionNum),
        defaultPrivileges: await readDefaultPrivileges(tx, schemas),
        functions: await readFunctions(tx, schemas),
        settings: await readSettings(tx),
        takenAt: server.takenAt,
      };
    });
  } catch (error) {
    throw new HarnessError('introspect-failed', `reading the database catalog failed: ${messageOf(error)}`, {
      hint: 'The connecting role must be able to read pg_catalog, and the connection must not be inside a transaction.',
      cause: error,
    });
  }
}
