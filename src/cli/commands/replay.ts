import { type Command } from 'commander';
import { HarnessError } from '../../core/errors.ts';
import { createBackend } from '../../db/backends/index.ts';
import { replayFinding } from '../../pipeline/replay.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import { backendChoice, defaultScenarioPath, wholeNumber } from '../execute.ts';
import { abortOnSignals } from '../interrupt.ts';
import { printError, progressPrinter } from '../output.ts';
import { addSeedOptions, withOverrides, type RunCommandOptions } from './run.ts';

/** Options of `tenantguard replay`. */
interface ReplayCommandOptions extends RunCommandOptions {
  shard?: number;
  path: string;
}

/** Registers `tenantguard replay <probe> [scenario] --seed S --shard K --path P`. */
export function registerReplay(program: Command): void {
  const command = program
    .command('replay')
    .description('repeat one attack finding exactly (the command is in the finding): exit 1 if it still leaks, 0 if not')
    .argument('<probe>', 'the attack check id, e.g. read-by-key or http-idor')
    .argument('[scenario]', 'the scenario of the run (default: the reference)')
    .option('--shard <k>', 'the shard of a SQL attack finding', wholeNumber(0, 1024))
    .requiredOption('--path <path>', "fast-check's path to the minimal case");
  addSeedOptions(command)
    .option('--pg-bin <dir>', 'embedded backend: use these Postgres binaries')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (probe: string, scenarioPath: string | undefined, options: ReplayCommandOptions) => {
      const interrupt = abortOnSignals(() => {});
      try {
        if (options.seed === undefined) throw new HarnessError('usage', 'replay needs the run seed: --seed <n> (it is in the finding\'s replay command)');
        const scenario = withOverrides(await loadScenario(scenarioPath ?? defaultScenarioPath), options);
        const finding = await replayFinding({
          scenario,
          backend: createBackend(backendChoice(options, scenario)),
          probe,
          runSeed: options.seed,
          ...(options.shard !== undefined ? { shard: options.shard } : {}),
          path: options.path,
          onEvent: progressPrinter(null, Boolean(options.quiet)),
          signal: interrupt.signal,
        });
        if (!finding) {
          process.stdout.write(`${probe}: the case no longer leaks.\n`);
          process.exitCode = 0;
          return;
        }
        process.stdout.write(`[${finding.severity}] ${finding.checkId}: ${finding.message}\n\n${finding.reproduction ?? ''}\n`);
        process.exitCode = 1;
      } catch (error) {
        process.exitCode = printError(error);
      } finally {
        interrupt.dispose();
      }
    });
}
