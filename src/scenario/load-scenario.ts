import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';
import { parseDocument } from 'yaml';
import { HarnessError, messageOf } from '../core/errors.ts';
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
    const count = validation.total;
    const what = absoluteFile ? `scenario ${displayPath(absoluteFile)}` : 'the scenario';
    throw new HarnessError('scenario-invalid', `${what} is invalid (${count} ${count === 1 ? 'problem' : 'problems'})`, {
      problems: validation.problems,
      hint: `Fix the fields listed; paths in a scenario are relative to ${displayPath(absoluteBase)}. Every field is described in scenarios/README.md.`,
    });
  }
  return applyDefaults(validation.value, absoluteFile, absoluteBase);
}

/** File extensions a scenario may have, by how the file is read. */
export const scenarioExtensions = {
  module: ['.ts', '.mts', '.js', '.mjs'],
  json: ['.json'],
  yaml: ['.yaml', '.yml'],
} as const;

const isOneOf = (list: readonly string[], extension: string) => list.includes(extension);

function invalid(file: string, message: string, problems?: string[], cause?: unknown): HarnessError {
  return new HarnessError('scenario-invalid', `scenario ${displayPath(file)}: ${message}`, {
    problems,
    cause,
    hint: 'Fix the file and run again; scenarios/README.md describes the format.',
  });
}

/**
 * Imports a `.ts`/`.js` scenario through tsx (so TypeScript runs without a build) and takes
 * its default export. Each call imports afresh in its own namespace, so an edited file is
 * read again. This is what tsx's `tsImport` does, plus unregistering the loader hooks
 * afterwards, which `tsImport` leaves installed for the life of the process.
 */
async function importModule(file: string): Promise<unknown> {
  let module: { default?: unknown };
  const tsx = register({ namespace: randomUUID() });
  try {
    module = (await tsx.import(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
  } catch (error) {
    throw invalid(file, `cannot be loaded: ${messageOf(error)}`, undefined, error);
  } finally {
    await tsx.unregister();
  }
  let value = module.default;
  // A `.ts` file outside an ESM package is compiled to CommonJS: its `export default` then
  // arrives one level down, as `default.default` next to `__esModule`.
  if (value && typeof value === 'object' && '__esModule' in value && 'default' in value) value = value.default;
  if (value === undefined) throw invalid(file, 'has no default export; write `export default defineScenario({ ... })`');
  return value;
}

function parseJson(file: string, source: string): unknown {
  try {
    // Editors on Windows may start the file with a byte order mark; JSON.parse refuses it.
    return JSON.parse(source.replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    const message = messageOf(error);
    // V8 names a character offset; a line is what an editor can jump to.
    const position = /at position (\d+)/.exec(message);
    const line = position ? source.slice(0, Number(position[1])).split('\n').length : undefined;
    throw invalid(file, `JSON syntax error${line && !/line \d+/.test(message) ? ` at line ${line}` : ''}: ${message}`);
  }
}

function parseYaml(file: string, source: string): unknown {
  // logLevel error: yaml's warnings (a list used as a key) would go to stderr as process
  // warnings; the key then fails validation as unknown, which says more.
  const document = parseDocument(source, { prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (document.errors.length > 0) {
    // yaml's messages end with a code frame; the first line already says where.
    const problems = document.errors.map((error) => {
      const where = error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : 'somewhere';
      return `${where}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
    });
    throw invalid(file, `YAML syntax error at ${problems[0]}`, problems);
  }
  try {
    return document.toJS() as unknown;
  } catch (error) {
    // yaml refuses to expand an alias bomb ("billion laughs") here, not while parsing.
    throw invalid(file, `YAML cannot be read: ${messageOf(error)}`, undefined, error);
  }
}

/**
 * Loads a scenario file (`.ts`, `.mts`, `.js`, `.mjs` with a default export; `.json`;
 * `.yaml`/`.yml`), validates it and applies the defaults. Schema and seed paths are
 * relative to the file.
 *
 * @throws HarnessError `scenario-not-found` when the file is missing; `scenario-invalid`
 * for a syntax error or invalid fields (every problem listed in `problems`).
 */
export async function loadScenario(path: string): Promise<Scenario> {
  const file = resolve(path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw new HarnessError('scenario-not-found', `scenario file not found: ${path}${info?.isDirectory() ? ' (it is a directory)' : ''}`, {
      hint: 'Check the path, or run without one to use the shipped reference scenario (scenarios/reference.ts).',
    });
  }
  const extension = extname(file).toLowerCase();
  let input: unknown;
  if (isOneOf(scenarioExtensions.module, extension)) input = await importModule(file);
  else if (isOneOf(scenarioExtensions.json, extension)) input = parseJson(file, await readFile(file, 'utf8'));
  else if (isOneOf(scenarioExtensions.yaml, extension)) input = parseYaml(file, await readFile(file, 'utf8'));
  else {
    const known = Object.values(scenarioExtensions).flat().join(', ');
    throw invalid(file, `unsupported file type "${extension || '(none)'}"; use one of ${known}`);
  }
  return resolveScenario(input, file, dirname(file));
}
