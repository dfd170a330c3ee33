import { relative, resolve } from 'node:path';
import { HarnessError } from '../core/errors.ts';
import { applyDefaults } from './defaults.ts';
import { validateScenarioInput } from './schema.ts';
import type { Scenario } from './types.ts';

/** How a scenario file is named in messages: relative to the working directory when shorter. */
export function displayPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown && !shown.startsWith('..') ? shown : file;
}

/**
 * Validates a scenario (from a file or built in code), applies the defaults and makes its
 * paths absolute. Relative schema and seed paths are read from `baseDir`, normally the
 * scenario file's folder, and must exist.
 *
 * @param input - The scenario as written (`ScenarioInput`), not yet trusted.
 * @param file - The scenario file, or null for a scenario built in code.
 * @param baseDir - The folder relative paths in the scenario start from.
 * @throws HarnessError `scenario-invalid` listing every problem, one per field.
 */
export function resolveScenario(input: unknown, file: string | null, baseDir: string): Scenario {
  const absoluteFile = file === null ? null : resolve(file);
  const absoluteBase = resolve(baseDir);
  const validation = validateScenarioInput(input, absoluteBase);
  if (!validation.ok) {
    const count = validation.problems.length;
    const what = absoluteFile ? `scenario ${displayPath(absoluteFile)}` : 'the scenario';
    throw new HarnessError('scenario-invalid', `${what} is invalid (${count} ${count === 1 ? 'problem' : 'problems'})`, {
      problems: validation.problems,
      hint: `Fix the fields listed; paths in a scenario are relative to ${displayPath(absoluteBase) || '.'}. Every field is described in scenarios/README.md.`,
    });
  }
  return applyDefaults(validation.value, absoluteFile, absoluteBase);
}
