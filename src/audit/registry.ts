import type { AuditRule } from './rule.ts';
import appRoleBypassesRls from './rules/app-role-bypasses-rls.ts';
import appRoleOwnsTenantTable from './rules/app-role-owns-tenant-table.ts';
import dangerousTablePrivileges from './rules/dangerous-table-privileges.ts';
import missingPolicyForCommand from './rules/missing-policy-for-command.ts';
import partitionWithoutPolicies from './rules/partition-without-policies.ts';
import policyOpensWithoutContext from './rules/policy-opens-without-context.ts';
import rlsDisabled from './rules/rls-disabled.ts';
import rlsNotForced from './rules/rls-not-forced.ts';
import serverVersionRlsCve from './rules/server-version-rls-cve.ts';

/** Every audit rule, one line each; a contract test keeps this, the files, tests, fixtures and docs in step. */
export const auditRules: readonly AuditRule[] = [
  rlsDisabled,
  rlsNotForced,
  appRoleOwnsTenantTable,
  appRoleBypassesRls,
  missingPolicyForCommand,
  partitionWithoutPolicies,
  policyOpensWithoutContext,
  dangerousTablePrivileges,
  serverVersionRlsCve,
];
