import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../core/errors.ts';
import type { LoadSample, LoadSpec } from './driver.ts';

/** The child script: plain JavaScript, so it starts without a TypeScript loader. */
const childScript = fileURLToPath(new URL('./load-child.mjs', import.meta.url));

/** How much of a failed child's stderr an error quotes. */
const stderrTail = 2000;

/** One load child: ready once autocannon is loaded, then started, then one sample. */
export interface LoadProcess {
  readonly label: string;
  readonly pid: number | undefined;
  /** Resolves when the child has loaded autocannon and waits for `start`. */
  readonly ready: Promise<void>;
  /** Tells a ready child to begin sending. */
  start(): void;
  /** The child's sample; rejects when the child dies without one. */
  readonly result: Promise<LoadSample>;
  /** Kills the child (SIGKILL: it holds nothing worth a graceful end) and waits for its exit. */
  kill(): Promise<void>;
}

/**
 * Spawns the child for one spec. The spec travels on stdin, not argv or the environment:
 * its headers carry bearer tokens, which `ps` would show to every user of the machine.
 * Either promise rejects with a HarnessError naming the label and quoting stderr's tail.
 */
export function startLoadProcess(spec: LoadSpec, onProgress: (sent: number) => void): LoadProcess {
  const child = spawn(process.execPath, [childScript], { stdio: ['pipe', 'pipe', 'pipe'] });
  if (spec.priority !== undefined && child.pid !== undefined) {
    try {
      setPriority(child.pid, spec.priority);
    } catch {
      // Not permitted (raising priority needs root): the driver runs at the default priority.
    }
  }
  let stderr = '';
  let buffered = '';
  let sample: LoadSample | undefined;
  let markReady!: () => void;
  let failReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });

  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-stderrTail);
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const message = parseMessage(line);
      if (message?.type === 'ready') markReady();
      else if (message?.type === 'progress') onProgress(message.sent);
      else if (message?.type === 'result') sample = message.sample;
    }
  });
  // A write to a child that already died fails here; its exit reports why.
  child.stdin.on('error', () => {});
  child.stdin.write(`${JSON.stringify(spec)}\n`);

  const failure = (how: string) =>
    new HarnessError('internal', `the load driver for "${spec.label}" ${how}${stderr.trim() ? `:\n${stderr.trim()}` : ' (no stderr)'}`, {
      hint: 'Is the app reachable at the spec URL? The lines above are the end of the driver process’s stderr.',
    });
  const result = exited.then(({ code, signal, error }) => {
    if (sample) return sample;
    const how = error ? `could not start (${error.message})` : signal ? `was killed by ${signal}` : `exited with code ${code} without a result`;
    const failed = failure(how);
    failReady(failed);
    throw failed;
  });
  // Callers await `ready` first; an early death must not also surface as unhandled here.
  result.catch(() => {});
  ready.catch(() => {});

  return {
    label: spec.label,
    pid: child.pid,
    ready,
    start: () => void child.stdin.write('start\n'),
    result,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

type ChildMessage = { type: 'ready' } | { type: 'progress'; sent: number } | { type: 'result'; sample: LoadSample };

/** One stdout line of the child; anything else (a stray log line) is ignored. */
function parseMessage(line: string): ChildMessage | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const message = JSON.parse(line) as ChildMessage;
    return typeof message === 'object' && message !== null && typeof message.type === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
