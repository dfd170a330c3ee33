import type { AuditRule } from './rule.ts';
import appRoleBypassesRls from './rules/app-role-bypasses-rls.ts';
import appRoleOwnsTenantTable from './rules/app-role-owns-tenant-table.ts';
import currentSettingWithoutMissingOk from './rules/current-setting-without-missing-ok.ts';
import dangerousTablePrivileges from './rules/dangerous-table-privileges.ts';
import foreignKeyWithoutTenant from './rules/foreign-key-without-tenant.ts';
import foreignTableExposesTenantData from './rules/foreign-table-exposes-tenant-data.ts';
import materializedViewExposesTenantData from './rules/materialized-view-exposes-tenant-data.ts';
import missingPolicyForCommand from './rules/missing-policy-for-command.ts';
import partitionWithoutPolicies from './rules/partition-without-policies.ts';
import permissivePolicyOpensTable from './rules/permissive-policy-opens-table.ts';
import policyCallsFunctionPerRow from './rules/policy-calls-function-per-row.ts';
import policyDoesNotConstrainTenant from './rules/policy-does-not-constrain-tenant.ts';
import policyOpensWithoutContext from './rules/policy-opens-without-context.ts';
import rlsDisabled from './rules/rls-disabled.ts';
import rlsNotForced from './rules/rls-not-forced.ts';
import securityDefinerTouchesTenantData from './rules/security-definer-touches-tenant-data.ts';
import securityDefinerWithoutSearchPath from './rules/security-definer-without-search-path.ts';
import serverVersionRlsCve from './rules/server-version-rls-cve.ts';
import tenantColumnNotIndexed from './rules/tenant-column-not-indexed.ts';
import tenantComparisonNotEquality from './rules/tenant-comparison-not-equality.ts';
import uniqueWithoutTenant from './rules/unique-without-tenant.ts';
import viewWithoutSecurityInvoker from './rules/view-without-security-invoker.ts';
import writeWithoutTenantCheck from './rules/write-without-tenant-check.ts';

/** Every audit rule, one line each; a contract test keeps this, the files, tests, fixtures and docs in step. */
export const auditRules: readonly AuditRule[] = [
  rlsDisabled,
  rlsNotForced,
  appRoleOwnsTenantTable,
  appRoleBypassesRls,
  missingPolicyForCommand,
  partitionWithoutPolicies,
  policyOpensWithoutContext,
  policyDoesNotConstrainTenant,
  permissivePolicyOpensTable,
  writeWithoutTenantCheck,
  tenantComparisonNotEquality,
  currentSettingWithoutMissingOk,
  policyCallsFunctionPerRow,
  dangerousTablePrivileges,
  viewWithoutSecurityInvoker,
  materializedViewExposesTenantData,
  foreignTableExposesTenantData,
  securityDefinerTouchesTenantData,
  securityDefinerWithoutSearchPath,
  foreignKeyWithoutTenant,
  uniqueWithoutTenant,
  tenantColumnNotIndexed,
  serverVersionRlsCve,
];
