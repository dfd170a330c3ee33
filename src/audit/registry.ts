import type { AuditRule } from './rule.ts';
import policyOpensWithoutContext from './rules/policy-opens-without-context.ts';
import rlsDisabled from './rules/rls-disabled.ts';

/** Every audit rule, one line each; a contract test keeps this, the files, tests, fixtures and docs in step. */
export const auditRules: readonly AuditRule[] = [
  rlsDisabled,
  policyOpensWithoutContext,
];
