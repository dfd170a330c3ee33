import type { Severity, Verdict } from '../core/check.ts';
import { esc } from './html-escape.ts';

/**
 * Small pieces every part of the HTML report uses: badges for severities and verdicts. Each
 * badge carries its word as text, so colour is never the only signal (readable in print, by a
 * screen reader, and by a reader who cannot tell red from green).
 */

/** A severity as a coloured badge: `critical`, `high`, … */
export function severityBadge(severity: Severity): string {
  return `<span class="badge sev-${esc(severity)}">${esc(severity)}</span>`;
}

/** A verdict as a coloured badge: `PASS`, `FAIL`, `INCONCLUSIVE`. */
export function verdictBadge(verdict: Verdict): string {
  return `<span class="badge v-${esc(verdict)}">${esc(verdict.toUpperCase())}</span>`;
}

/** A neutral or accented label badge (`suppressed`, `existing`, `new`, `confirmed`). */
export function labelBadge(text: string, cls: string, title?: string): string {
  return `<span class="badge ${esc(cls)}"${title ? ` title="${esc(title)}"` : ''}>${esc(text)}</span>`;
}

/** A section with an anchor (the table of contents links to it) and a heading. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}" aria-labelledby="${esc(id)}-h"><h2 id="${esc(id)}-h">${esc(title)}</h2>\n${body}\n</section>`;
}
