import { Command, CommanderError } from 'commander';
import { ExitCode } from '../core/errors.ts';
import { toolInfo } from '../pipeline/tool-info.ts';
import { registerAudit } from './commands/audit.ts';
import { registerBaseline } from './commands/baseline.ts';
import { registerChecks } from './commands/checks.ts';
import { registerRender } from './commands/render.ts';
import { registerReplay } from './commands/replay.ts';
import { registerRun } from './commands/run.ts';
import { registerSelftest } from './commands/selftest.ts';
import { registerServe } from './commands/serve.ts';

/** Builds the `tenantguard` program; each command lives in its own file. */
export function buildProgram(): Command {
  const program = new Command('tenantguard')
    .description('Prove (or disprove) tenant isolation in multi-tenant PostgreSQL applications')
    .version(toolInfo().version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerRun(program);
  registerAudit(program);
  registerChecks(program);
  registerReplay(program);
  registerRender(program);
  registerBaseline(program);
  registerServe(program);
  registerSelftest(program);
  return program;
}

/** Runs the CLI with `argv`; sets `process.exitCode` per DESIGN §6. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage mistakes exit 3.
      process.exitCode = error.exitCode === 0 ? ExitCode.pass : ExitCode.usage;
      return;
    }
    throw error;
  }
}
