/**
 * Escaping and number formatting shared by the HTML report's parts (html.ts and its
 * html-*.ts pieces). Every piece of report text goes through {@link escapeHtml} before it is
 * embedded, in element content and in attribute values alike: a finding message or a policy
 * name is data from the system under test and may contain anything.
 */

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and for double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/** Shorter alias used inside templates. */
export const esc = escapeHtml;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count with thousands separators: `12,345`. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? integer.format(n) : '—';
}

/** Three significant digits at most, no trailing zeros: 2.82, 26.2, 118. */
function significant(x: number): string {
  if (x >= 100) return integer.format(Math.round(x));
  return String(Number(x.toPrecision(3)));
}

/** A latency in µs shown in the unit a reader expects: `850 µs`, `6.5 ms`, `1.19 s`. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (us < 1000) return `${significant(us)} µs`;
  if (us < 1_000_000) return `${significant(us / 1000)} ms`;
  return `${significant(us / 1_000_000)} s`;
}

/** Milliseconds as `651 ms`, `2.4 s` or `3 min 05 s`. */
export function formatMillis(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/**
 * A ratio as `2.82×`, `1.00×`, `26.2×`: three significant digits kept (a ratio of 1.00 says
 * "measured equal", not "rounded"); `—` when it is not a finite number (NaN in memory, null
 * once through JSON: not measured).
 */
export function formatRatio(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${x >= 100 ? integer.format(Math.round(x)) : x.toPrecision(3)}×`;
}

/** A share in [0, 1] as a percentage: `95.5 %`. */
export function formatPercent(x: number | null | undefined): string {
  return x !== null && x !== undefined && Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '—';
}
