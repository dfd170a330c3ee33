import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection of this process, now. The reference app under load runs in the
 * harness's process, and a major collection there stops its event loop for tens of
 * milliseconds: one landing inside a 3 s measured run delays about 1% of the victims' requests
 * and alone decides their p99. Collecting before each measured run (as a warm-up settles the
 * JIT) keeps the heap the run starts with the same, so the runs compare the app, not the
 * collector's timing. Node exposes `gc` only behind `--expose-gc`; the flag is set at run time
 * and the function read from a fresh context, once.
 */
let gc: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
