/**
 * Time for the fairness gate, injected so that tests drive it with a manual clock and never
 * assert on wall-clock time (DESIGN §8). The gate needs exactly two things from time: a
 * monotonic "now" (token refill, queue wait, activity windows, hold times) and one-shot
 * timers (queue-wait deadlines, the rejection delay).
 */

/** A scheduled callback; `cancel()` is idempotent and safe after it fired. */
export interface ClockTimer {
  cancel(): void;
}

/** Monotonic milliseconds and one-shot timers. */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  /** Runs `fn` once, `ms` milliseconds from now, unless cancelled first. */
  setTimer(ms: number, fn: () => void): ClockTimer;
}

/**
 * The real clock. `performance.now()` rather than `Date.now()` because a wall-clock jump
 * (NTP, suspend) must not refill every bucket at once or expire every queued request. Timers
 * are unref'd: a queued request's deadline is no reason to keep a process alive.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** A {@link Clock} that moves only when told to: for tests and simulations. */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing due timers in order of due time (ties in order of
   * scheduling), with `now()` equal to each timer's due time while it runs. Timers scheduled
   * by a firing timer also fire if they fall due within the same advance.
   */
  advance(ms: number): void;
  /** Timers scheduled and neither fired nor cancelled. */
  pendingTimers(): number;
}

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Creates a {@link ManualClock} starting at `start` milliseconds. */
export function createManualClock(start = 0): ManualClock {
  let now = start;
  let seq = 0;
  let timers: ManualTimer[] = [];

  const nextDue = (limit: number): ManualTimer | undefined => {
    let best: ManualTimer | undefined;
    for (const t of timers) {
      if (t.cancelled || t.at > limit) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  };

  return {
    now: () => now,
    setTimer(ms, fn) {
      const timer: ManualTimer = { at: now + Math.max(0, ms), seq: seq++, fn, cancelled: false };
      timers.push(timer);
      return {
        cancel: () => {
          timer.cancelled = true;
        },
      };
    },
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0, got ${ms}`);
      const target = now + ms;
      for (let t = nextDue(target); t !== undefined; t = nextDue(target)) {
        t.cancelled = true;
        timers = timers.filter((x) => !x.cancelled);
        now = t.at;
        t.fn();
      }
      timers = timers.filter((x) => !x.cancelled);
      now = target;
    },
    pendingTimers: () => timers.filter((t) => !t.cancelled).length,
  };
}
