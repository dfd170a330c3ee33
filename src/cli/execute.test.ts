import { describe, expect, it } from 'vitest';
import { ciMode } from './execute.ts';

describe('ciMode', () => {
  it('is the flag when given, else CI=true|1 from the environment', () => {
    expect(ciMode({ ci: true }, {})).toBe(true);
    expect(ciMode({ ci: false }, { CI: 'true' })).toBe(false);
    expect(ciMode({}, { CI: 'true' })).toBe(true);
    expect(ciMode({}, { CI: '1' })).toBe(true);
    expect(ciMode({}, { CI: 'false' })).toBe(false);
    expect(ciMode({}, {})).toBe(false);
  });
});
