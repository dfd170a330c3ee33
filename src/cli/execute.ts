import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import type { Severity } from '../core/check.ts';
import { HarnessError } from '../core/errors.ts';
import { randomRunSeed } from '../core/seed-random.ts';
import { createBackend, type BackendChoice } from '../db/backends/index.ts';
import { runScenario, type PipelineMode, type RunScenarioOptions } from '../pipeline/run-scenario.ts';
import { packageRoot, toolInfo } from '../pipeline/tool-info.ts';
import { renderConsoleSummary } from '../report/console.ts';
import { applyBaseline } from '../report/baseline.ts';
import { defaultReportFormats, type ReportFormat } from '../report/reporters.ts';
import type { Scenario } from '../scenario/types.ts';
import { exitCodeFor } from './exit-codes.ts';
import { abortOnSignals } from './interrupt.ts';
import { openRunFolder, progressPrinter } from './output.ts';
import { readBaseline, writeReportFiles } from './report-files.ts';

/** Options shared by the commands that run the pipeline, as commander parses them. */
export interface PipelineOptions {
  backend?: BackendChoice['backend'];
  databaseUrl?: string;
  disposable?: boolean;
  scratch?: boolean;
  /** `--not-production`: skip the url backend's production rule (never from a scenario file). */
  notProduction?: boolean;
  pgBin?: string;
  image?: string;
  seed?: number;
  failOn?: Severity;
  out?: string;
  quiet?: boolean;
  /** CI mode: --ci, or CI=true|1 in the environment. */
  ci?: boolean;
  /** Report formats beside report.json (`--format`). */
  format?: ReportFormat[];
  /** A baseline file (`--baseline`): only new findings gate. */
  baseline?: string;
}

/** Whether the run is in CI mode: the flag, else the CI environment variable most CI systems set. */
export function ciMode(options: PipelineOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  return options.ci ?? /^(true|1)$/i.test(env['CI'] ?? '');
}

/** Parses a whole number option within bounds. */
export function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

/** The default scenario: the secure reference shipped with the package. */
export const defaultScenarioPath = join(packageRoot, 'scenarios', 'reference.ts');

/** Chooses the backend from flags, then the scenario; the URL never comes from a file. */
export function backendChoice(options: PipelineOptions, scenario: Scenario): BackendChoice {
  const envUrl = scenario.database.urlEnv ? process.env[scenario.database.urlEnv] : undefined;
  const url = options.databaseUrl ?? envUrl ?? process.env['DATABASE_URL'];
  const backend = options.backend ?? (options.databaseUrl ? 'url' : scenario.database.backend);
  return {
    backend,
    url,
    disposable: options.disposable ?? scenario.database.disposable,
    scratch: options.scratch ?? scenario.database.scratch,
    notProduction: options.notProduction,
    image: options.image ?? scenario.database.image,
    binDir: options.pgBin,
  };
}

/**
 * Runs the pipeline for a command: report folder, progress, signals, the report and the
 * summary. Returns the exit code (DESIGN §6).
 */
export async function executePipeline(mode: PipelineMode, scenario: Scenario, options: PipelineOptions, extra: Pick<RunScenarioOptions, 'loadProfile'> = {}): Promise<number> {
  const say = (text: string) => options.quiet || process.stderr.write(`${text}\n`);
  // Read before the run: a bad baseline fails in a second, not after minutes of attacks.
  const baseline = options.baseline ? await readBaseline(options.baseline) : null;
  if (baseline && baseline.scenario.name !== scenario.name) {
    throw new HarnessError('usage', `baseline ${options.baseline} was written for scenario "${baseline.scenario.name}", not "${scenario.name}"`, { hint: 'pass the baseline of this scenario, or write one with `tenantguard baseline <report.json>`' });
  }
  const formats: ReportFormat[] = ['json', ...(options.format ?? defaultReportFormats).filter((f) => f !== 'json')];
  const backend = createBackend(backendChoice(options, scenario));
  const folder = openRunFolder(options.out);
  const onEvent = progressPrinter(folder, Boolean(options.quiet));
  const interrupt = abortOnSignals((name) => say(`\n${name}: stopping Postgres and writing a partial report…`));
  try {
    // The seed is decided here so it can be printed first (and last, in the summary).
    const seed = options.seed ?? scenario.seed.seed ?? randomRunSeed();
    const { version } = toolInfo();
    say(`tenantguard ${version} · ${mode} · scenario ${scenario.name} · backend ${backend.name} · seed ${seed}`);
    const outcome = await runScenario({ scenario, backend, seed, onEvent, signal: interrupt.signal, mode, ci: ciMode(options), ...extra });
    const report = baseline ? applyBaseline(outcome.report, baseline, options.baseline!) : outcome.report;
    const written = await writeReportFiles(folder, report, formats);
    process.stdout.write(renderConsoleSummary(report, written.get('json')));
    const others = [...written].filter(([format]) => format !== 'json').map(([, path]) => path);
    if (others.length > 0) process.stdout.write(`also     ${others.join(', ')}\n`);
    return outcome.error ? outcome.error.exitCode : exitCodeFor(report.verdict);
  } finally {
    interrupt.dispose();
    await folder.close();
  }
}
