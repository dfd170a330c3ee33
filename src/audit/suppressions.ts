import type { Finding } from '../core/check.ts';

/** A reviewed finding the team accepts: by fingerprint, with a reason and an optional expiry (ISO date). */
export interface Suppression {
  fingerprint: string;
  reason: string;
  expires?: string;
}

/**
 * Marks findings covered by a live suppression as suppressed (they stay in the report,
 * never dropped silently). Returns suppressions that expired or matched nothing, so the run
 * can say so.
 */
export function applySuppressions(findings: Finding[], suppressions: readonly Suppression[], now: Date): { expired: Suppression[]; unused: Suppression[] } {
  const expired: Suppression[] = [];
  const used = new Set<Suppression>();
  for (const suppression of suppressions) {
    if (suppression.expires && new Date(suppression.expires).getTime() < now.getTime()) {
      expired.push(suppression);
      continue;
    }
    for (const finding of findings) {
      if (finding.fingerprint !== suppression.fingerprint) continue;
      finding.suppressed = { reason: suppression.reason, ...(suppression.expires ? { expires: suppression.expires } : {}) };
      used.add(suppression);
    }
  }
  const unused = suppressions.filter((s) => !used.has(s) && !expired.includes(s));
  return { expired, unused };
}
