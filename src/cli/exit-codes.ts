import { ExitCode, type ExitCodeValue } from '../core/errors.ts';
import type { Verdict } from '../core/check.ts';

/** Exit code for a run's verdict (DESIGN §6). */
export function exitCodeFor(verdict: Verdict): ExitCodeValue {
  switch (verdict) {
    case 'pass':
      return ExitCode.pass;
    case 'fail':
      return ExitCode.findings;
    case 'inconclusive':
      return ExitCode.inconclusive;
  }
}
