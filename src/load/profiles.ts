/**
 * Load profiles: how long, how hard and how often the noisy-neighbour experiment runs. `short`
 * is the part of `tenantguard run` (under a minute of load on a 2-core machine); `soak` is for
 * engineers who want every pattern at several aggressor loads.
 */

/** What the aggressor tenant does while the victims run. */
export type LoadPattern = 'heavy-reports' | 'hot-reads' | 'write-bursts' | 'long-transactions' | 'connection-flood';

/** Every pattern, in the order a soak runs them. */
export const loadPatterns: readonly LoadPattern[] = ['heavy-reports', 'hot-reads', 'write-bursts', 'long-transactions', 'connection-flood'];

/** What each pattern sends (for reports and `--help`). */
export const patternDescriptions: Record<LoadPattern, string> = {
  'heavy-reports': 'GET /reports/summary in a closed loop: aggregates over all of the aggressor’s data',
  'hot-reads': 'GET list pages of 200 projects, documents and invoices in a closed loop',
  'write-bursts': 'PATCH of the aggressor’s own projects in a closed loop',
  'long-transactions': 'database sessions of the aggressor (as the app role) holding row locks on its projects in 200 ms transactions',
  'connection-flood': 'four times the step’s connections, each asking for one project in a closed loop',
};

/** One profile. */
export interface LoadProfile {
  name: 'short' | 'soak';
  /** Victims alone before each baseline, unmeasured. */
  warmupSeconds: number;
  /** Length of every measured run (baseline and each contention step). */
  stepSeconds: number;
  /** Each baseline and step is repeated; the spread is reported. */
  repeats: number;
  patterns: readonly LoadPattern[];
  /** The aggressor's connections at each step, ascending. */
  aggressorSteps: readonly number[];
  /** Quiet tenants measured. */
  victims: number;
  /** Requests per second of each victim (open loop). */
  victimRate: number;
  /** Connections each victim spreads its rate over (slack against omitted sends). */
  victimConnections: number;
  /** Connections in the app's database pool. */
  poolSize: number;
  /** Length of each side of the RLS overhead comparison. */
  rlsSeconds: number;
}

/** The built-in profiles. */
export const loadProfiles: Record<LoadProfile['name'], LoadProfile> = {
  short: {
    name: 'short',
    // Half a second warms the app and connections; the whole profile stays under a minute here.
    warmupSeconds: 0.5,
    stepSeconds: 3,
    repeats: 3,
    patterns: ['heavy-reports'],
    aggressorSteps: [50],
    victims: 3,
    victimRate: 100,
    victimConnections: 16,
    poolSize: 10,
    rlsSeconds: 1.5,
  },
  soak: {
    name: 'soak',
    warmupSeconds: 3,
    stepSeconds: 10,
    repeats: 3,
    patterns: loadPatterns,
    aggressorSteps: [10, 25, 50, 100],
    victims: 3,
    victimRate: 100,
    victimConnections: 32,
    poolSize: 10,
    rlsSeconds: 5,
  },
};

/** Seconds of load a profile puts on the machine (for progress and docs). */
export function profileSeconds(profile: LoadProfile): number {
  const perFairness = profile.warmupSeconds + profile.stepSeconds * (1 + profile.patterns.length * profile.aggressorSteps.length);
  return profile.repeats * 2 * perFairness + 2 * profile.rlsSeconds;
}
