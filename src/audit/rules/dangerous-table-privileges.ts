import type { Severity } from '../../core/check.ts';
import { nameOf, relationSubject, sqlName } from '../describe.ts';
import { creatableSchemas, privilegeHolders, revokeStatements } from '../privilege-paths.ts';
import { defineRule, type RuleFinding } from '../rule.ts';

/** Table privileges row-level security does not govern, and what each lets a tenant do to the others. */
const dangerous: { privilege: string; severity: Severity; why: string; needsCreate?: boolean }[] = [
  {
    privilege: 'TRUNCATE',
    severity: 'high',
    why: 'TRUNCATE is not subject to row-level security: one statement wipes every tenant\'s rows',
  },
  {
    privilege: 'REFERENCES',
    severity: 'medium',
    why: "REFERENCES lets it create a table with a foreign key to this one; foreign-key checks ignore row-level security, so inserting candidate keys tells which exist in other tenants (an existence oracle), and ON DELETE actions can block their deletes",
    needsCreate: true,
  },
  {
    privilege: 'TRIGGER',
    severity: 'medium',
    why: "TRIGGER lets it attach a trigger that runs on every tenant's writes and can read or rewrite each row, whatever the policies say",
    needsCreate: true,
  },
  {
    // PG 17+. Not a read or write of rows, but LOCK TABLE ... ACCESS EXCLUSIVE, VACUUM FULL,
    // CLUSTER and REINDEX stall every tenant: a noisy neighbour by privilege.
    privilege: 'MAINTAIN',
    severity: 'low',
    why: 'MAINTAIN (PostgreSQL 17+) lets it LOCK the table exclusively, VACUUM FULL, CLUSTER or REINDEX it, stalling every tenant',
  },
];

export default defineRule({
  meta: {
    id: 'dangerous-table-privileges',
    title: 'Application role holds TRUNCATE, REFERENCES, TRIGGER or MAINTAIN on a tenant table',
    description:
      'The application role holds, through any grant or role it can use, a table privilege that row-level security does not govern: TRUNCATE (wipes every tenant), REFERENCES (cross-tenant existence oracle through foreign keys), TRIGGER (attach triggers to other tenants\' writes), MAINTAIN (lock out every tenant).',
    severity: 'high',
    remediation: 'Grant the application only SELECT, INSERT, UPDATE and DELETE on tenant tables; revoke TRUNCATE, REFERENCES, TRIGGER and MAINTAIN (watch out for GRANT ALL and default privileges).',
  },
  check(context) {
    const findings: RuleFinding[] = [];
    // The referencing table or the trigger function has to be created somewhere first.
    const schemas = creatableSchemas(context);
    const createText = schemas.length > 0 ? ` (it can create them in schema ${schemas.join(', ')})` : ' (it needs CREATE on a schema for that, which it lacks today: one grant away)';
    for (const { relation } of context.tenantTables) {
      for (const { privilege, severity, why, needsCreate } of dangerous) {
        if (!context.can(relation, privilege)) continue;
        const holders = privilegeHolders(context, relation, privilege);
        const revokes = revokeStatements(holders, privilege, sqlName(relation));
        const owned = holders.some((h) => h.owner);
        findings.push({
          message: `the application role ${context.appRole} holds ${privilege} on tenant table ${nameOf(relation)} (through ${holders.map((h) => h.text).join(', ')}): ${why}${needsCreate ? createText : ''}. ${owned ? `An owner always holds ${privilege}: take ownership of the table away from the application${revokes.length > 0 ? `, and revoke ${privilege}` : ''}` : `Revoke ${privilege}`}.`,
          subject: relationSubject(relation),
          severity,
          key: privilege,
          fix: [...revokes, ...(owned ? [`-- the application owns it: ALTER TABLE ${sqlName(relation)} OWNER TO <a role the application cannot use>;`] : [])].join('\n'),
          evidence: { privilege, holders: holders.map((h) => h.text), ...(needsCreate ? { creatableSchemas: schemas } : {}) },
        });
      }
    }
    return findings;
  },
});
