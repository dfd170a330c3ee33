import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { HarnessError } from '../../core/errors.ts';
import { applyBaseline } from '../../report/baseline.ts';
import { reporters, reportFormats, type ReportFormat } from '../../report/reporters.ts';
import { printError } from '../output.ts';
import { parseFormats, readBaseline, readReport, writeReportFiles } from '../report-files.ts';

/** Options of `tenantguard render`. */
interface RenderOptions {
  format?: ReportFormat[];
  out?: string;
  baseline?: string;
}

/**
 * Registers `tenantguard render <report.json>`: any format again from the JSON report, the
 * source of truth — e.g. SARIF for a run that wrote only JSON, or the comparison with a
 * baseline after the fact. Exits 0 once written: rendering is not a verdict.
 */
export function registerRender(program: Command): void {
  program
    .command('render')
    .description('render a JSON report again in other formats (and compare it with a baseline)')
    .argument('<report>', 'a report.json written by tenantguard')
    .option('--format <list>', `formats to write: ${reportFormats.join(',')} (default markdown,html)`, parseFormats)
    .option('--out <dir>', "folder to write into (default: the report's folder)")
    .option('--baseline <file>', 'mark findings new or existing against this baseline and list fixed ones')
    .action(async (path: string, options: RenderOptions) => {
      try {
        const formats = options.format ?? ['markdown', 'html'];
        const source = await readReport(path);
        const report = options.baseline ? applyBaseline(source, await readBaseline(options.baseline), options.baseline) : source;
        const dir = resolve(options.out ?? dirname(path));
        if (formats.includes('json') && resolve(dir, reporters.json.file) === resolve(path)) {
          throw new HarnessError('usage', `writing json to ${dir} would overwrite the report being rendered`, { hint: 'pass --out <another folder>' });
        }
        mkdirSync(dir, { recursive: true });
        const written = await writeReportFiles({ dir }, report, formats);
        for (const [format, file] of written) process.stdout.write(`${format.padEnd(8)} ${file}\n`);
        process.exitCode = 0;
      } catch (error) {
        process.exitCode = printError(error);
      }
    });
}
