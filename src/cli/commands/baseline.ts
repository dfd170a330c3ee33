import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { severities } from '../../core/check.ts';
import { baselineFromReport, renderBaseline } from '../../report/baseline.ts';
import { printError } from '../output.ts';
import { readReport } from '../report-files.ts';

/**
 * Registers `tenantguard baseline <report.json>`: accepts a complete run's findings, so later
 * runs with `--baseline` fail only on new ones. Commit the file; regenerate it when findings
 * are fixed or knowingly accepted.
 */
export function registerBaseline(program: Command): void {
  program
    .command('baseline')
    .description('write a baseline from a complete report: later runs with --baseline fail only on findings that are new')
    .argument('<report>', 'a report.json of a complete run')
    .option('--out <file>', 'where to write it', 'reports/baseline.json')
    .action(async (path: string, options: { out: string }) => {
      try {
        const baseline = baselineFromReport(await readReport(path), new Date());
        const out = resolve(options.out);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, renderBaseline(baseline));
        const bySeverity = severities.map((s) => [s, baseline.findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
        process.stdout.write(`baseline ${options.out}: ${baseline.findings.length} finding(s) accepted${bySeverity.length > 0 ? ` (${bySeverity.join(', ')})` : ''} for scenario ${baseline.scenario.name}\n`);
        process.exitCode = 0;
      } catch (error) {
        process.exitCode = printError(error);
      }
    });
}
