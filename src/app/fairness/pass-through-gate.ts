import { passThroughGate, type FairnessGate } from '../fairness-port.ts';
import type { FairnessStats } from './stats.ts';

/**
 * The gate the app uses when fairness is off: it admits every request at once and sets no
 * statement timeout, so the "no fairness" baseline of the load experiment measures the bare
 * data layer and nothing of this module. Same shape as the managed gate (stats, close), so
 * the app and the experiment switch between them with one flag and no branches.
 */

/** A {@link FairnessGate} that admits everything, with the managed gate's lifecycle. */
export interface PassThroughGate extends FairnessGate, Disposable {
  /** No tenants and an unbounded budget (`Infinity`, `null` in JSON): nothing is accounted. */
  stats(): FairnessStats;
  /** Nothing to release; present so callers need not tell the gates apart. */
  close(): void;
}

/** Creates a gate that admits every request at once and imposes no statement timeout. */
export function createPassThroughGate(): PassThroughGate {
  // The app's own pass-through gate, with the managed gate's lifecycle around it.
  return {
    admit: passThroughGate.admit,
    statementTimeoutMs: passThroughGate.statementTimeoutMs,
    stats: () => ({ globalConcurrency: Infinity, inFlight: 0, queued: 0, tenants: {} }),
    close: () => {},
    [Symbol.dispose]: () => {},
  };
}
