import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { HarnessError } from '../core/errors.ts';
import { reportSchemaVersion, type Report } from '../core/report.ts';
import { parseBaseline, type BaselineFile } from '../report/baseline.ts';
import { isReportFormat, reportFormats, reporters, type ReportFormat } from '../report/reporters.ts';
import { writeRunFile, type RunFolder } from './output.ts';

/** Parses `--format json,html,...` (also repeated): known names, each once, in the order given. */
export function parseFormats(value: string, previous: ReportFormat[] = []): ReportFormat[] {
  const names = value.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const unknown = names.filter((name) => !isReportFormat(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown format ${unknown.map((n) => JSON.stringify(n)).join(', ')} (choose from ${reportFormats.join(', ')})`);
  if (names.length === 0) throw new InvalidArgumentError(`no format given (choose from ${reportFormats.join(', ')})`);
  return [...new Set([...previous, ...(names as ReportFormat[])])];
}

/** Renders `formats` of a report into the folder; returns each format's path (relative to the working directory). */
export async function writeReportFiles(folder: Pick<RunFolder, 'dir'>, report: Report, formats: readonly ReportFormat[]): Promise<Map<ReportFormat, string>> {
  const written = new Map<ReportFormat, string>();
  for (const format of formats) written.set(format, await writeRunFile(folder, reporters[format].file, reporters[format].render(report)));
  return written;
}

/** Reads a text file for the CLI; a missing or unreadable file is a usage error naming it. */
async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HarnessError('usage', `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** Reads a baseline file (or a report used as one). */
export async function readBaseline(path: string): Promise<BaselineFile> {
  return parseBaseline(await readText(path, 'baseline'), path);
}

/** Reads a JSON report written by tenantguard: JSON, of this report version, with results. */
export async function readReport(path: string): Promise<Report> {
  const text = await readText(path, 'report');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new HarnessError('usage', `report ${path} is not JSON: ${(error as Error).message}`);
  }
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  if (typeof record['schemaVersion'] !== 'number' || !Array.isArray(record['results'])) throw new HarnessError('usage', `${path} is not a tenantguard report (no schemaVersion and results)`);
  if (record['schemaVersion'] !== reportSchemaVersion) {
    throw new HarnessError('usage', `report ${path} has schemaVersion ${record['schemaVersion']}; this tenantguard reads version ${reportSchemaVersion}`, { hint: 'render it with the tenantguard version that wrote it' });
  }
  return data as Report;
}
