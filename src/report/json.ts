import type { Report } from '../core/report.ts';

/** The JSON report, pretty-printed: the source of truth every other format renders. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
