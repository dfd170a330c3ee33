import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { HarnessError } from '../core/errors.ts';

/**
 * Starts the user's own API for the HTTP attacks (the scenario's `http.start`), waits until it
 * answers, and stops it again whatever happens. The app runs in its own process group, so a
 * `npm start` or shell wrapper and everything it spawned go with it; stop is SIGTERM, then
 * SIGKILL after a grace period. Its output goes to `onLine` (the run folder's app.log), never
 * the console, and secrets are only ever passed in its environment.
 */

/** What to start. */
export interface LaunchOptions {
  /** Program and arguments (no shell). */
  command: readonly string[];
  cwd: string;
  /** Added to the harness's own environment. */
  env: Readonly<Record<string, string>>;
  /** Polled until it answers 2xx. */
  readyUrl: string;
  timeoutMs: number;
  /** Each line the app prints (stdout and stderr). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  /** Grace period between SIGTERM and SIGKILL (default 5 s). */
  stopGraceMs?: number;
}

/** A started app. */
export interface LaunchedApp {
  pid: number;
  stop(): Promise<void>;
}

const tail = (lines: string[]) => (lines.length === 0 ? '(it printed nothing)' : lines.slice(-8).map((l) => `  ${l}`).join('\n'));

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    // The negative pid is the whole group; fall back to the child alone.
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

/** Starts the app and resolves once `readyUrl` answers 2xx; fails with its last output otherwise. */
export async function launchApp(options: LaunchOptions): Promise<LaunchedApp> {
  const [program, ...args] = options.command;
  if (!program) throw new HarnessError('usage', 'http.start.command is empty');
  const shown = options.command.join(' ');
  const recent: string[] = [];
  const child = spawn(program, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 50) recent.shift();
      options.onLine?.(line);
    });
  }
  const grace = options.stopGraceMs ?? 5000;
  const stop = async () => {
    if (exited) return;
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), grace);
    await exit;
    clearTimeout(timer);
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const failed = async (message: string, hint: string): Promise<never> => {
    await stop();
    throw new HarnessError('usage', message, { hint });
  };

  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const error = await Promise.race([spawnError, new Promise<null>((resolve) => setTimeout(resolve, 0, null))]);
    if (error) return failed(`could not start the app \`${shown}\`: ${error.message}`, 'Check http.start.command and http.start.cwd in the scenario.');
    if (exited) {
      const how = (exited as { code: number | null; signal: NodeJS.Signals | null });
      return failed(`the app \`${shown}\` exited (${how.signal ?? `code ${how.code}`}) before it answered ${options.readyUrl}:\n${tail(recent)}`, 'Its whole output is in app.log in the run folder.');
    }
    if (options.signal?.aborted) return failed('interrupted while waiting for the app', '');
    try {
      const response = await fetch(options.readyUrl, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      return failed(`the app \`${shown}\` did not answer ${options.readyUrl} with 2xx within ${Math.round(options.timeoutMs / 1000)} s:\n${tail(recent)}`, 'Check http.start.ready and that the app listens on the PORT it is given.');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid: child.pid!,
    stop: async () => {
      options.signal?.removeEventListener('abort', onAbort);
      await stop();
    },
  };
}
