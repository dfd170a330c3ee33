import { describe, expect, it } from 'vitest';
import { fixtureReport } from '../../test/helpers/golden.ts';
import { phaseTable, renderConsoleSummary } from './console.ts';

describe('console summary', () => {
  it('ends with a table of checks by verdict and findings by severity per phase', () => {
    expect(phaseTable(fixtureReport('findings'))).toEqual([
      '        checks  pass  fail  inconcl.  critical  high  medium  low  info',
      'audit       23    18     5         0         3     3       0    7     0',
      'attack      17     3    14         0        14     2       0    1     0',
    ]);
    expect(renderConsoleSummary(fixtureReport('findings'))).toContain('attack      17     3    14');
  });

  it('has no table when no check ran, and says the report is incomplete', () => {
    const text = renderConsoleSummary(fixtureReport('empty'));
    expect(text).not.toContain('checks  pass');
    expect(text).toContain('the report is INCOMPLETE');
  });
});
