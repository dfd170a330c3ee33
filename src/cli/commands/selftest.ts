import { Option, type Command } from 'commander';
import { flawNames, parseFlaw } from '../../app/flaws.ts';
import { formatSelftest } from '../../attacks/http/selftest-table.ts';
import { runSelftest } from '../../attacks/http/selftest.ts';
import { httpProbes } from '../../attacks/http/registry.ts';
import { noThrottlingMeta } from '../../attacks/http/throttling.ts';
import { ExitCode } from '../../core/errors.ts';
import { randomRunSeed } from '../../core/seed-random.ts';
import { defaultScenarioPath, wholeNumber } from '../execute.ts';
import { abortOnSignals } from '../interrupt.ts';
import { printError } from '../output.ts';

/** Options of `tenantguard selftest`. */
export interface SelftestCommandOptions {
  seed?: number;
  flaw?: string;
  probe?: string;
  path?: string;
  runs: number;
  tenants: number;
  rows: number;
  pgBin?: string;
  json?: boolean;
}

/**
 * `tenantguard selftest`: embedded Postgres, the reference schema, seeded; the reference app
 * clean and with each flaw switched on, attacked over HTTP. Exit 0 only when every flaw is
 * detected and the clean app gives no finding, else 1.
 */
async function selftest(options: SelftestCommandOptions): Promise<number> {
  const only = options.flaw === undefined ? undefined : options.flaw === 'none' ? [] : [parseFlaw(options.flaw)!];
  const runSeed = options.seed ?? randomRunSeed();
  const interrupt = abortOnSignals((name) => process.stderr.write(`\n${name}: stopping…\n`));
  try {
    process.stderr.write(`tenantguard selftest · seed ${runSeed}\n`);
    const result = await runSelftest({
      scenarioPath: defaultScenarioPath,
      runSeed,
      runs: options.runs,
      tenants: options.tenants,
      rows: options.rows,
      ...(only ? { flaws: only } : {}),
      ...(options.probe ? { probe: options.probe } : {}),
      ...(options.path ? { path: options.path } : {}),
      ...(options.pgBin ? { pgBin: options.pgBin } : {}),
      onLine: (line) => process.stderr.write(`  ${line}\n`),
      signal: interrupt.signal,
    });
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatSelftest(result));
    process.stderr.write(`seed ${runSeed}\n`);
    if (interrupt.signal.aborted) return ExitCode.inconclusive;
    return result.passed ? ExitCode.pass : ExitCode.findings;
  } finally {
    interrupt.dispose();
  }
}

/** Registers `tenantguard selftest`. */
export function registerSelftest(program: Command): void {
  program
    .command('selftest')
    .description('attack the reference app over HTTP, clean and with each flaw switched on, and report the mutation score (exit 0 only at 100% with no finding on the clean app)')
    .option('--seed <n>', 'run seed (data, tokens and generated cases)', wholeNumber(0, 0x7fffffff))
    .addOption(new Option('--flaw <name>', 'only this flaw (and the clean app); "none": the clean app only').choices([...flawNames, 'none']))
    .addOption(new Option('--probe <id>', 'only this HTTP check').choices([...httpProbes.map((p) => p.meta.id), noThrottlingMeta.id]))
    .option('--path <path>', 'replay the recorded fast-check path of --probe')
    .option('--runs <n>', 'cases per HTTP probe per configuration', wholeNumber(1, 100_000), 40)
    .option('--tenants <n>', 'tenants to seed', wholeNumber(2, 1_000), 3)
    .option('--rows <n>', 'rows per tenant per table', wholeNumber(1, 10_000), 3)
    .option('--pg-bin <dir>', 'use these Postgres binaries (e.g. /usr/lib/postgresql/15/bin)')
    .option('--json', 'print the result as JSON')
    .action(async (options: SelftestCommandOptions) => {
      try {
        process.exitCode = await selftest(options);
      } catch (error) {
        process.exitCode = printError(error);
      }
    });
}
