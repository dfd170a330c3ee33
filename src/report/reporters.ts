import type { Report } from '../core/report.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderSarif } from './sarif.ts';

/**
 * Every report format (DESIGN §1: `reporters[name](report) → string`): pure formatters over
 * the JSON report, each with the file name the CLI writes it to in the run folder.
 */

/** The formats, in the order `--format` documents them. */
export const reportFormats = ['json', 'markdown', 'html', 'junit', 'sarif'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** What `tenantguard run` writes when `--format` is not given. */
export const defaultReportFormats: readonly ReportFormat[] = ['json', 'markdown', 'html'];

/** A format's formatter and its file name in the run folder. */
export interface Reporter {
  render(report: Report): string;
  file: string;
}

/** The formatters by name. */
export const reporters: Record<ReportFormat, Reporter> = {
  json: { render: renderJson, file: 'report.json' },
  markdown: { render: (report) => renderMarkdown(report), file: 'report.md' },
  html: { render: renderHtml, file: 'report.html' },
  junit: { render: renderJunit, file: 'report.junit.xml' },
  sarif: { render: renderSarif, file: 'report.sarif' },
};

/** True for a format name. */
export function isReportFormat(name: string): name is ReportFormat {
  return (reportFormats as readonly string[]).includes(name);
}
