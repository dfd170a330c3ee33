import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureReport, fixtureReportNames, reportFixtureDir } from '../../test/helpers/golden.ts';
import { renderJson } from './json.ts';

describe('renderJson', () => {
  // The fixture reports were written by real runs through renderJson: rendering what they hold must give them back byte for byte.
  it.each(fixtureReportNames)('round-trips the %s report exactly', (name) => {
    expect(renderJson(fixtureReport(name))).toBe(readFileSync(join(reportFixtureDir, `${name}.json`), 'utf8'));
  });
});
