/** Progress events: phases report through an `onEvent` callback; only `cli/` prints them. */

/** Names of the pipeline's steps, in order. */
export type PhaseName =
  | 'start'
  | 'schema'
  | 'introspect'
  | 'seed'
  | 'audit'
  | 'attack'
  | 'http'
  | 'load'
  | 'report';

/** One thing that happened during a run. */
export type RunEvent =
  | { type: 'phase-start'; phase: PhaseName; detail?: string }
  | { type: 'phase-end'; phase: PhaseName; durationMs: number; detail?: string }
  | { type: 'progress'; phase: PhaseName; done: number; total: number; detail?: string }
  /** A status that changes many times a second (requests sent so far): shown live on a terminal, left out of logs. */
  | { type: 'status'; phase: PhaseName; text: string }
  | { type: 'info'; message: string }
  | { type: 'warning'; message: string }
  | { type: 'server-log'; line: string }
  /** A line the app under HTTP attack printed (its own log): to the run folder, not the console. */
  | { type: 'app-log'; line: string };

/** Receives run events. Must not throw. */
export type OnEvent = (event: RunEvent) => void;

/** An `OnEvent` that ignores everything. */
export const ignoreEvents: OnEvent = () => {};
