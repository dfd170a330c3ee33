import { InvalidArgumentError, Option, type Command } from 'commander';
import { join } from 'node:path';
import { severities, type Severity } from '../../core/check.ts';
import { randomRunSeed } from '../../core/seed-random.ts';
import { createBackend, type BackendChoice } from '../../db/backends/index.ts';
import { runScenario } from '../../pipeline/run-scenario.ts';
import { packageRoot, toolInfo } from '../../pipeline/tool-info.ts';
import { renderConsoleSummary } from '../../report/console.ts';
import { renderJson } from '../../report/json.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import type { Scenario } from '../../scenario/types.ts';
import { exitCodeFor } from '../exit-codes.ts';
import { abortOnSignals } from '../interrupt.ts';
import { openRunFolder, printError, progressPrinter, writeRunFile } from '../output.ts';

/** Options of `tenantguard run`, as commander parses them. */
export interface RunCommandOptions {
  backend?: BackendChoice['backend'];
  databaseUrl?: string;
  disposable?: boolean;
  scratch?: boolean;
  pgBin?: string;
  image?: string;
  seed?: number;
  tenants?: number;
  rows?: number;
  failOn?: Severity;
  out?: string;
  quiet?: boolean;
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
export function backendChoice(options: RunCommandOptions, scenario: Scenario): BackendChoice {
  const envUrl = scenario.database.urlEnv ? process.env[scenario.database.urlEnv] : undefined;
  const url = options.databaseUrl ?? envUrl ?? process.env['DATABASE_URL'];
  const backend = options.backend ?? (options.databaseUrl ? 'url' : scenario.database.backend);
  return {
    backend,
    url,
    disposable: options.disposable ?? scenario.database.disposable,
    scratch: options.scratch ?? scenario.database.scratch,
    image: options.image ?? scenario.database.image,
    binDir: options.pgBin,
  };
}

/** Applies command-line overrides to a loaded scenario. */
function withOverrides(scenario: Scenario, options: RunCommandOptions): Scenario {
  return {
    ...scenario,
    seed: {
      ...scenario.seed,
      tenants: options.tenants ?? scenario.seed.tenants,
      rowsPerTable: options.rows ?? scenario.seed.rowsPerTable,
    },
    gates: { ...scenario.gates, failOn: options.failOn ?? scenario.gates.failOn },
  };
}

async function run(scenarioPath: string | undefined, options: RunCommandOptions): Promise<number> {
  const say = (text: string) => options.quiet || process.stderr.write(`${text}\n`);
  const scenario = withOverrides(await loadScenario(scenarioPath ?? defaultScenarioPath), options);
  const backend = createBackend(backendChoice(options, scenario));
  const folder = openRunFolder(options.out);
  const onEvent = progressPrinter(folder, Boolean(options.quiet));
  const interrupt = abortOnSignals((name) => say(`\n${name}: stopping Postgres and writing a partial report…`));
  try {
    // The seed is decided here so it can be printed first (and last, in the summary).
    const seed = options.seed ?? scenario.seed.seed ?? randomRunSeed();
    const { version } = toolInfo();
    say(`tenantguard ${version} · scenario ${scenario.name} · backend ${backend.name} · seed ${seed}`);
    const outcome = await runScenario({ scenario, backend, seed, onEvent, signal: interrupt.signal });
    const reportPath = await writeRunFile(folder, 'report.json', renderJson(outcome.report));
    process.stdout.write(renderConsoleSummary(outcome.report, reportPath));
    return outcome.error ? outcome.error.exitCode : exitCodeFor(outcome.report.verdict);
  } finally {
    interrupt.dispose();
    await folder.close();
  }
}

/** Registers `tenantguard run [scenario]`. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('start Postgres, apply the schema, seed tenants, run every phase, write the report')
    .argument('[scenario]', 'scenario file (.ts, .json, .yaml); default: the shipped reference scenario')
    .addOption(new Option('--backend <name>', 'where Postgres comes from').choices(['embedded', 'url', 'container']))
    .option('--database-url <url>', 'existing server for the url backend (or DATABASE_URL); implies --backend url')
    .option('--disposable', 'the url database may be written to (schema, seed, attacks)')
    .option('--scratch', 'create a scratch database on the url server, use it, drop it')
    .option('--pg-bin <dir>', 'embedded backend: use these Postgres binaries (e.g. /usr/lib/postgresql/15/bin)')
    .option('--image <image>', 'container backend: the Postgres image')
    .option('--seed <n>', 'run seed (default: the scenario\'s, else random)', wholeNumber(0, 0x7fffffff))
    .option('--tenants <n>', 'number of tenants to seed', wholeNumber(1, 10_000))
    .option('--rows <n>', 'rows per tenant per table', wholeNumber(0, 1_000_000))
    .addOption(new Option('--fail-on <severity>', 'fail on findings at or above this severity').choices(severities))
    .option('--out <dir>', 'report folder (default: reports/<timestamp>)')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (scenarioPath: string | undefined, options: RunCommandOptions) => {
      let code: number;
      try {
        code = await run(scenarioPath, options);
      } catch (error) {
        code = printError(error);
      }
      process.exitCode = code;
    });
}
