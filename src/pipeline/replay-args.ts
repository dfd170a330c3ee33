import type { Scenario } from '../scenario/types.ts';

/** What a replay must pass to seed the same data as this run. */
export function replayArgs(scenario: Scenario): string {
  const rows = typeof scenario.seed.rowsPerTable === 'number' ? ` --rows ${scenario.seed.rowsPerTable}` : '';
  return `--tenants ${scenario.seed.tenants}${rows}`;
}
