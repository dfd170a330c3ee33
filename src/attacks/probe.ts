import type * as fc from 'fast-check';
import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import type { CanaryCodec } from '../core/canary.ts';
import type { CheckMeta, Severity } from '../core/check.ts';
import type { SeedManifest } from '../core/manifest.ts';
import type { Tenancy } from '../core/tenancy.ts';
import type { AppSessions, Attempt, AttemptOutcome } from '../db/app-session.ts';
import type { AttackSurface } from './surface.ts';

/** Everything a probe may use: the catalog, the ground truth, and sessions acting as the app. */
export interface AttackEnv {
  snapshot: CatalogSnapshot;
  tenancy: Tenancy;
  manifest: SeedManifest;
  codec: CanaryCodec;
  surface: AttackSurface;
  sessions: AppSessions;
  /** The value the application puts in the context for tenant `index` (its id, or one of its users). */
  contextFor(index: number): string;
}

/** Every generated case names who attacks whom. */
export interface ProbeCase {
  attacker: number;
  victim: number;
}

/** Live evidence of a leak. */
export interface Leak {
  /** One line: what crossed the tenant boundary. */
  what: string;
  /** The relation (or function) it came through, `schema.name`. */
  target: string;
  /** Canaries of other tenants found, at most a few. */
  canaries: string[];
  /** A short, redacted excerpt of what the attacker received. */
  excerpt: string;
  /** The tenant the leaked data belongs to. */
  victim: number;
  severity?: Severity;
}

/** One executed case: the attempts sent (for the reproduction) and the leak, if any. */
export interface ProbeRun {
  attempts: Attempt[];
  outcomes: AttemptOutcome[];
  leak: Leak | null;
}

/**
 * An attack (DESIGN §5): metadata first, an arbitrary over the manifest and catalog, and an
 * executor that sends attempts as the app and judges them by evidence. `confirms` lists the
 * audit checks whose findings a leak through the same relation confirms.
 */
export interface Probe<C extends ProbeCase = ProbeCase> {
  meta: CheckMeta & { kind: 'attack' };
  confirms: readonly string[];
  /** The cases to generate; null when this database offers the probe nothing to attack. */
  arbitrary(env: AttackEnv): fc.Arbitrary<C> | null;
  execute(c: C, env: AttackEnv): Promise<ProbeRun>;
}

/** Declares a probe (identity, for types and a uniform shape). */
export function defineProbe<C extends ProbeCase>(probe: { meta: Omit<CheckMeta, 'kind'>; confirms?: readonly string[]; arbitrary: Probe<C>['arbitrary']; execute: Probe<C>['execute'] }): Probe<C> {
  return { meta: { ...probe.meta, kind: 'attack' }, confirms: probe.confirms ?? [], arbitrary: probe.arbitrary, execute: probe.execute };
}
