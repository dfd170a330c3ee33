import type { ScenarioInput } from './types.ts';

/**
 * Declares a scenario in a `.ts` file: returns its input unchanged, so the file gets type
 * checking and completion while the loader still validates at run time (a `.ts` file can be
 * run without being type-checked).
 *
 * @example
 * ```ts
 * import { defineScenario } from 'tenantguard/scenario';
 * export default defineScenario({ schema: ['./schema.sql'], seed: { tenants: 5 } });
 * ```
 */
export function defineScenario(input: ScenarioInput): ScenarioInput {
  return input;
}
