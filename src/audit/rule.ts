import type { CheckMeta, Finding, FindingSubject, Severity } from '../core/check.ts';
import { fingerprintOf } from '../core/fingerprint.ts';
import type { AuditContext } from './context.ts';

export { fingerprintOf, subjectKey } from '../core/fingerprint.ts';

/** What a rule reports: the runner adds the check id, fingerprint and location. */
export interface RuleFinding {
  /** Names the object, says what is wrong and what to do. */
  message: string;
  subject: FindingSubject;
  /** Overrides the rule's severity for this finding. */
  severity?: Severity;
  /** SQL that fixes it. */
  fix?: string;
  evidence?: Record<string, unknown>;
  /** Separates several findings of one rule on one object (a command, a situation) in the fingerprint. */
  key?: string;
}

/** An audit rule: metadata first, then a pure function of the audit context (DESIGN §5). */
export interface AuditRule {
  meta: CheckMeta & { kind: 'audit' };
  check(context: AuditContext): RuleFinding[];
}

/** Declares a rule; the identity function, for types and a uniform shape. */
export function defineRule(rule: { meta: Omit<CheckMeta, 'kind'>; check: AuditRule['check'] }): AuditRule {
  return { meta: { ...rule.meta, kind: 'audit' }, check: rule.check };
}

/** Turns a rule's findings into report findings. */
export function toFinding(rule: AuditRule, found: RuleFinding): Finding {
  const evidence = { ...found.evidence, ...(found.fix ? { fix: found.fix } : {}) };
  return {
    checkId: rule.meta.id,
    severity: found.severity ?? rule.meta.severity,
    message: found.message,
    subject: found.subject,
    fingerprint: fingerprintOf(rule.meta.id, found.subject, found.key ?? ''),
    ...(Object.keys(evidence).length > 0 ? { evidence } : {}),
  };
}
