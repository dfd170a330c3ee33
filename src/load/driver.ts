import type { ReportLoadSample } from '../core/report.ts';
import { HarnessError, throwIfAborted } from '../core/errors.ts';
import { startLoadProcess, type LoadProcess } from './load-process.ts';

/**
 * The load driver: each spec runs autocannon in its own child process (load-child.mjs), so
 * the load never shares the event loop of the app under test, which runs in this process.
 * Every child is started only once all of them are ready, so the specs overlap fully.
 */

/** One stream of requests: a victim or an aggressor. */
export interface LoadSpec {
  /** e.g. 'victim #2', 'aggressor'. */
  label: string;
  /** Base URL, no trailing slash. */
  url: string;
  /** Request paths, cycled per connection (different ids); at least one. */
  paths: string[];
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT';
  headers: Record<string, string>;
  /** JSON text for POST/PATCH (content-type defaults to application/json). */
  body?: string;
  /** Keep-alive connections; one request in flight on each. */
  connections: number;
  durationSeconds: number;
  /**
   * Open loop: total requests/s over all connections, each connection sending on its own
   * evenly spaced slots. A connection still waiting for a response skips the slots that pass
   * meanwhile (counted in `omitted`), so give it slack: connections ≥ rate × the slowest
   * latency to be tolerated (10 connections at 100/s tolerate 100 ms). Absent: closed loop,
   * as fast as the connections go.
   */
  ratePerSecond?: number;
  /** Per request (default 10); a request with no answer by then is an error. */
  timeoutSeconds?: number;
  /**
   * How long requests in flight at the end may take to answer (default: their timeout). Shorter
   * ends the run sooner; requests still in flight then are left out of every count but `sent`.
   */
  drainSeconds?: number;
  /**
   * OS scheduling priority of the driver process (`os.setPriority`, −20..19; lower runs first).
   * The victims' drivers are the measuring instrument: raised, their own scheduling adds less
   * to what they measure. Ignored where the OS does not allow it (raising needs root).
   */
  priority?: number;
  /**
   * Return every latency (µs, sorted) in `latenciesUs`, so runs can be pooled: a victim's p99
   * over a few hundred requests rests on its three slowest, too few to judge alone.
   */
  keepLatencies?: boolean;
}

/**
 * What one spec measured (the report's type, DESIGN §3: rooms talk through core types), plus
 * the raw latencies when the spec kept them (not part of the report: too many).
 */
export type LoadSample = ReportLoadSample & { latenciesUs?: number[] };

/** Options of {@link runLoad}. */
export interface RunLoadOptions {
  /** Aborting kills every child and rejects with an `interrupted` HarnessError. */
  signal?: AbortSignal;
  /** Requests sent so far by one spec, about twice a second. */
  onProgress?: (label: string, sent: number) => void;
}

/** Seconds a child may run past its duration and timeout before it is declared hung. */
const graceSeconds = 30;

/**
 * Runs all specs at once and returns their samples in the same order. Rejects, after killing
 * every child, when one of them fails (the error names its label and quotes its stderr) or
 * when the signal aborts.
 */
export async function runLoad(specs: readonly LoadSpec[], options: RunLoadOptions = {}): Promise<LoadSample[]> {
  const problems = specs.flatMap(specProblems);
  if (problems.length > 0) throw new HarnessError('usage', 'invalid load specs', { problems });
  throwIfAborted(options.signal);
  if (specs.length === 0) return [];
  const children: LoadProcess[] = [];
  const stop = new AbortController();
  const interrupted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new HarnessError('interrupted', 'the load run was interrupted', { cause: options.signal?.reason }));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    stop.signal.addEventListener('abort', () => options.signal?.removeEventListener('abort', onAbort), { once: true });
  });
  interrupted.catch(() => {});
  let hung: NodeJS.Timeout | undefined;
  try {
    for (const spec of specs) children.push(startLoadProcess(spec, (sent) => options.onProgress?.(spec.label, sent)));
    await Promise.race([Promise.all(children.map((child) => child.ready)), interrupted]);
    for (const child of children) child.start();
    const longest = Math.max(...specs.map((spec) => spec.durationSeconds + (spec.timeoutSeconds ?? 10)));
    const watchdog = new Promise<never>((_, reject) => {
      hung = setTimeout(() => reject(new HarnessError('internal', `the load drivers did not finish within ${longest + graceSeconds} s`)), (longest + graceSeconds) * 1000);
    });
    return await Promise.race([Promise.all(children.map((child) => child.result)), interrupted, watchdog]);
  } finally {
    clearTimeout(hung);
    stop.abort();
    await Promise.all(children.map((child) => child.kill()));
  }
}

/** What is wrong with one spec, each problem naming its label. */
export function specProblems(spec: LoadSpec): string[] {
  const problems: string[] = [];
  const where = `load spec "${spec.label}"`;
  const positive = (value: number | undefined) => value !== undefined && Number.isFinite(value) && value > 0;
  if (!/^https?:\/\/[^/]+$/.test(spec.url)) problems.push(`${where}: url must be http(s)://host[:port] without a path or trailing slash`);
  if (spec.paths.length === 0) problems.push(`${where}: needs at least one path`);
  for (const path of spec.paths) if (!path.startsWith('/')) problems.push(`${where}: path ${JSON.stringify(path)} must start with /`);
  if (!Number.isInteger(spec.connections) || spec.connections < 1) problems.push(`${where}: connections must be a positive integer`);
  if (!positive(spec.durationSeconds)) problems.push(`${where}: durationSeconds must be positive`);
  if (spec.ratePerSecond !== undefined && !positive(spec.ratePerSecond)) problems.push(`${where}: ratePerSecond must be positive when given`);
  if (spec.timeoutSeconds !== undefined && !positive(spec.timeoutSeconds)) problems.push(`${where}: timeoutSeconds must be positive when given`);
  if (spec.drainSeconds !== undefined && !(Number.isFinite(spec.drainSeconds) && spec.drainSeconds >= 0)) problems.push(`${where}: drainSeconds must be 0 or more when given`);
  return problems;
}
