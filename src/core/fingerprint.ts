import { createHash } from 'node:crypto';
import type { FindingSubject } from './check.ts';

/** A stable key of a finding's subject: same object, same key, run after run. */
export function subjectKey(subject: FindingSubject): string {
  const parts: [string, string | undefined][] = [
    ['schema', subject.schema],
    ['table', subject.table],
    ['policy', subject.policy],
    ['role', subject.role],
    ['function', subject.function],
    ['route', subject.route],
    ['load', subject.load],
  ];
  return parts
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join(';');
}

/**
 * The fingerprint of a finding: the check and the object, not the wording or the run, so
 * baselines and suppressions survive message edits and reseeding. `discriminator` separates
 * several findings of one check on one object (e.g. per command).
 */
export function fingerprintOf(checkId: string, subject: FindingSubject, discriminator = ''): string {
  return createHash('sha256').update(`${checkId}|${subjectKey(subject)}|${discriminator}`).digest('hex').slice(0, 16);
}
