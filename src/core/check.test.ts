import { describe, expect, it } from 'vitest';
import { isGating } from './check.ts';

describe('isGating', () => {
  it('gates findings at or above the threshold unless suppressed or accepted in a baseline', () => {
    expect(isGating({ severity: 'high' }, 'high')).toBe(true);
    expect(isGating({ severity: 'critical', baseline: 'new' }, 'high')).toBe(true);
    expect(isGating({ severity: 'medium' }, 'high')).toBe(false);
    expect(isGating({ severity: 'critical', baseline: 'existing' }, 'high')).toBe(false);
    expect(isGating({ severity: 'critical', suppressed: { reason: 'accepted risk' } }, 'high')).toBe(false);
  });
});
