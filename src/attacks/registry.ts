import type { Probe } from './probe.ts';
import readByKey from './probes/read-by-key.ts';

/** Every attack probe, one line each. */
export const attackProbes: readonly Probe[] = [readByKey as Probe];
