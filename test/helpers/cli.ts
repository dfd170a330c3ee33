import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = join(fileURLToPath(import.meta.url), '..', '..', '..');

/** The result of a finished CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process, with its output so far. */
export interface CliProcess {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  /** Resolves when stderr has printed text matching `pattern`. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts `tenantguard <args>` as a real process (bin/tenantguard.js), with no stdin, as CI does. */
export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'tenantguard.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString('utf8');
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(output.stderr)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, ...output })));
  return {
    child,
    output,
    done,
    waitForStderr(pattern, timeoutMs = 60_000) {
      if (pattern.test(output.stderr)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stderr never matched ${pattern}:\n${output.stderr}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void done.then(() => reject(new Error(`process ended before stderr matched ${pattern}:\n${output.stderr}`)));
      });
    },
  };
}

/** Runs `tenantguard <args>` to the end. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}
