import type { LoadSample } from '../../src/load/driver.ts';

/** A load sample with fixed numbers: 1000 sent and answered at 100 req/s, latencies as given. */
export function loadSample(label: string, latencyUs: LoadSample['latencyUs'], over: Partial<LoadSample> = {}): LoadSample {
  return {
    label,
    sent: 1000,
    expected: 1000,
    omitted: 0,
    completed: 1000,
    durationMs: 10_000,
    throughput: 100,
    statuses: { '200': 1000 },
    errors: 0,
    rejected: 0,
    latencyUs,
    ...over,
  };
}
