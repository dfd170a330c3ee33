import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock.ts';

describe('createManualClock', () => {
  it('fires due timers in order, at their due time, including timers they schedule', () => {
    const clock = createManualClock(100);
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(10, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(5, () => fired.push(`c@${clock.now()}`));
    });
    clock.setTimer(20, () => fired.push(`d@${clock.now()}`));
    clock.setTimer(50, () => fired.push('late'));
    clock.advance(30);
    expect(fired).toEqual(['a@110', 'c@115', 'b@120', 'd@120']);
    expect(clock.now()).toBe(130);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('never fires a cancelled timer', () => {
    const clock = createManualClock();
    let fired = false;
    const timer = clock.setTimer(1, () => {
      fired = true;
    });
    timer.cancel();
    clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});
