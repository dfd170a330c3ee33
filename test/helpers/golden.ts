import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Report } from '../../src/core/report.ts';

/**
 * Golden files for the report formats: the three fixture reports (test/fixtures/reports/:
 * `empty` — a run that ended before any check, `passing` — the reference scenario with load,
 * `findings` — a leaky schema full of findings) rendered and compared byte for byte with
 * test/fixtures/reports/golden/<name>. `UPDATE_GOLDEN=1 npx vitest run <file>` rewrites them;
 * review the diff before committing. A missing golden file fails (it is never created silently
 * in CI).
 */

const here = dirname(fileURLToPath(import.meta.url));
export const reportFixtureDir = join(here, '..', 'fixtures', 'reports');
const goldenDir = join(reportFixtureDir, 'golden');

/** The fixture reports every formatter is tested on. */
export const fixtureReportNames = ['empty', 'passing', 'findings'] as const;
export type FixtureReportName = (typeof fixtureReportNames)[number];

/** Reads one fixture report. */
export function fixtureReport(name: FixtureReportName): Report {
  return JSON.parse(readFileSync(join(reportFixtureDir, `${name}.json`), 'utf8')) as Report;
}

/** Compares `actual` with the golden file `name` (e.g. `findings.sarif`), or rewrites it under UPDATE_GOLDEN=1. */
export function expectGolden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing: run UPDATE_GOLDEN=1 npx vitest run <this test file> and review it`);
  expect(actual, `differs from golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`).toBe(readFileSync(path, 'utf8'));
}
