import type { CanaryCodec, CanaryHit } from '../core/canary.ts';
import type { AttemptOutcome } from '../db/app-session.ts';

/** Everything an attacker received, as text: rows, error message/detail/hint/context, notices. */
export function receivedText(outcome: AttemptOutcome): string {
  const parts: string[] = [];
  for (const result of outcome.results) if (result.rows.length > 0) parts.push(JSON.stringify(result.rows));
  if (outcome.error) parts.push(outcome.error.message, outcome.error.detail ?? '', outcome.error.hint ?? '', outcome.error.where ?? '');
  parts.push(...outcome.notices);
  return parts.join('\n');
}

/** Canaries of any tenant other than `attacker` in what the attacker received. */
export function foreignCanaries(outcome: AttemptOutcome, codec: CanaryCodec, attacker: number): CanaryHit[] {
  return codec.scan(receivedText(outcome)).filter((hit) => hit.tenantIndex !== attacker);
}

/**
 * A short excerpt around the first foreign canary: enough for a reviewer to see what crossed
 * the boundary, without copying whole rows (which in a real database would be customer data).
 */
export function excerptAround(text: string, canary: string, width = 60): string {
  const at = text.indexOf(canary);
  if (at < 0) return text.slice(0, width * 2);
  const start = Math.max(0, at - width);
  return `${start > 0 ? '…' : ''}${text.slice(start, at + canary.length + width)}${at + canary.length + width < text.length ? '…' : ''}`;
}
