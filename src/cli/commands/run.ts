import { Option, type Command } from 'commander';
import { severities } from '../../core/check.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import type { Scenario } from '../../scenario/types.ts';
import { loadPatterns, type LoadPattern } from '../../load/profiles.ts';
import { defaultScenarioPath, executePipeline, wholeNumber, type PipelineOptions } from '../execute.ts';
import { printError } from '../output.ts';
import { parseFormats } from '../report-files.ts';
import { defaultReportFormats, reportFormats } from '../../report/reporters.ts';

/** Options of `tenantguard run`. */
export interface RunCommandOptions extends PipelineOptions {
  tenants?: number;
  rows?: number;
  runs?: number;
  timeBudget?: number;
  /** False with --no-load. */
  load?: boolean;
}

/** Applies command-line overrides to a loaded scenario. */
export function withOverrides(scenario: Scenario, options: RunCommandOptions): Scenario {
  return {
    ...scenario,
    seed: { ...scenario.seed, tenants: options.tenants ?? scenario.seed.tenants, rowsPerTable: options.rows ?? scenario.seed.rowsPerTable },
    attacks: { ...scenario.attacks, runs: options.runs ?? scenario.attacks.runs, timeBudgetSeconds: options.timeBudget ?? scenario.attacks.timeBudgetSeconds },
    gates: { ...scenario.gates, failOn: options.failOn ?? scenario.gates.failOn },
    load: { ...scenario.load, enabled: options.load ?? scenario.load.enabled },
  };
}

/** The options `run`, `attack` and `replay` share: where the seeded database comes from, and the attack budget. */
export function addSeedOptions(command: Command): Command {
  return command
    .option('--database-url <url>', 'existing server for the url backend (or DATABASE_URL); implies --backend url')
    .option('--disposable', 'the url database may be written to (schema, seed, attacks)')
    .option('--scratch', 'create a scratch database on the url server, use it, drop it')
    .option('--not-production', 'the url database only looks like production (name or size): write to it anyway (see README, Safety)')
    .option('--seed <n>', "run seed (default: the scenario's, else random)", wholeNumber(0, 0x7fffffff))
    .option('--tenants <n>', 'number of tenants to seed', wholeNumber(1, 10_000))
    .option('--rows <n>', 'rows per tenant per table', wholeNumber(0, 1_000_000))
    .option('--runs <n>', 'generated cases per attack probe', wholeNumber(1, 10_000_000))
    .option('--time-budget <seconds>', 'stop generating attacks after this many seconds', wholeNumber(1, 86_400));
}

/** The backend options `run` and `audit` share. */
export function addBackendOptions(command: Command): Command {
  return command
    .addOption(new Option('--backend <name>', 'where Postgres comes from').choices(['embedded', 'url', 'container']))
    .option('--pg-bin <dir>', 'embedded backend: use these Postgres binaries (e.g. /usr/lib/postgresql/15/bin)')
    .option('--image <image>', 'container backend: the Postgres image')
    .addOption(new Option('--fail-on <severity>', 'fail on findings at or above this severity').choices(severities))
    .option('--ci', 'CI mode: load budgets fail the run (default when CI=true)')
    .option('--out <dir>', 'report folder (default: reports/<timestamp>)')
    .option('--format <list>', `report formats to write: ${reportFormats.join(',')} (default ${defaultReportFormats.join(',')}; json is always written)`, parseFormats)
    .option('--baseline <file>', 'fail only on findings that are new against this baseline (`tenantguard baseline` writes one); fixed ones are reported')
    .option('-q, --quiet', 'no progress on stderr');
}

/** Options of `tenantguard load`. */
interface LoadCommandOptions extends RunCommandOptions {
  profile?: 'short' | 'soak';
  repeats?: number;
  stepSeconds?: number;
  pattern?: LoadPattern[];
  aggressor?: number[];
}

/** Registers `tenantguard load [scenario]`: the noisy-neighbour experiment alone. */
function registerLoad(program: Command): void {
  const command = program
    .command('load')
    .description('only the noisy-neighbour experiment: seed, then victims at a fixed rate alone and while one tenant floods the app (the reference: fairness off and on; your API: as configured)')
    .argument('[scenario]', 'scenario file (.ts, .json, .yaml); default: the shipped reference scenario')
    .addOption(new Option('--profile <name>', "how long and how hard (default: the scenario's load.profile)").choices(['short', 'soak']))
    .option('--repeats <n>', 'repeats of every baseline and step', wholeNumber(1, 100))
    .option('--step-seconds <n>', 'seconds of every measured run', wholeNumber(1, 3_600))
    .addOption(new Option('--pattern <name...>', 'what the aggressor does').choices([...loadPatterns]))
    .option('--aggressor <connections...>', "the aggressor's connections at each step", (value: string, previous: number[] = []) => [...previous, wholeNumber(1, 10_000)(value)]);
  addBackendOptions(addSeedOptions(command)).action(async (scenarioPath: string | undefined, options: LoadCommandOptions) => {
    try {
      const loaded = withOverrides(await loadScenario(scenarioPath ?? defaultScenarioPath), options);
      const scenario = { ...loaded, load: { ...loaded.load, enabled: true, profile: options.profile ?? loaded.load.profile } };
      const loadProfile = {
        ...(options.repeats !== undefined ? { repeats: options.repeats } : {}),
        ...(options.stepSeconds !== undefined ? { stepSeconds: options.stepSeconds } : {}),
        ...(options.pattern ? { patterns: options.pattern } : {}),
        ...(options.aggressor ? { aggressorSteps: [...options.aggressor].sort((a, b) => a - b) } : {}),
      };
      process.exitCode = await executePipeline('load', scenario, options, { loadProfile });
    } catch (error) {
      process.exitCode = printError(error);
    }
  });
}

/** Registers `tenantguard run [scenario]`, `tenantguard attack [scenario]` and `tenantguard load [scenario]`. */
export function registerRun(program: Command): void {
  for (const [name, description] of [
    ['run', 'start Postgres, apply the schema, audit it, seed tenants, attack (SQL and HTTP), run the noisy-neighbour experiment, write the report'],
    ['attack', 'only the attacks: start Postgres, apply the schema, seed tenants, attack as the application'],
  ] as const) {
    const command = program
      .command(name)
      .description(description)
      .argument('[scenario]', 'scenario file (.ts, .json, .yaml); default: the shipped reference scenario');
    if (name === 'run') command.option('--no-load', 'skip the noisy-neighbour experiment (about a minute)');
    addBackendOptions(addSeedOptions(command)).action(async (scenarioPath: string | undefined, options: RunCommandOptions) => {
      try {
        const scenario = withOverrides(await loadScenario(scenarioPath ?? defaultScenarioPath), options);
        process.exitCode = await executePipeline(name, scenario, options);
      } catch (error) {
        process.exitCode = printError(error);
      }
    });
  }
  registerLoad(program);
}
