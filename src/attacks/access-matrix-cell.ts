import type { CanaryCodec } from '../core/canary.ts';
import type { ReportAccessCell } from '../core/report.ts';
import type { AttemptOutcome } from '../db/app-session.ts';
import { redactCredentials } from '../db/connect.ts';

/**
 * The pure part of the access matrix: what one live attempt showed, and how the attempts of
 * one cell (tenant × relation × operation) add up to its outcome. Kept apart from the SQL so
 * the judgement is tested on fixed inputs.
 */

/** What one attempt of a cell showed. */
export interface CellAttempt {
  /** Aimed at the acting tenant's own rows, or at another tenant's. */
  aim: 'own' | 'foreign';
  /**
   * `reached`: it read or changed the rows it aimed at. `refused`: the server said no (no
   * privilege, a row-level security check, an object that cannot be written). `no-effect`: it
   * ran and touched none of them. `error`: anything else — the attempt proves nothing.
   */
  result: 'reached' | 'refused' | 'no-effect' | 'error';
  /** One short, redacted line: what happened. */
  note: string;
  /** The SQLSTATE of a failed attempt. */
  code?: string;
}

/** Everything known about one cell. */
export interface CellEvidence {
  /** The app role holds the privilege (table or column level). */
  privileged: boolean;
  attempts: CellAttempt[];
  /** Aims that could not be tried, and why (no row of that tenant to aim at, no row could be built...). */
  untried: { aim: 'own' | 'foreign'; reason: string }[];
}

/** A cell's verdict, without its coordinates. */
export type CellVerdict = Pick<ReportAccessCell, 'outcome'> & { detail?: string };

/**
 * Adds up a cell. A reached foreign row is a leak whatever else happened; an unexpected error
 * leaves the cell untested (it proves nothing either way); `allowed` needs its own rows
 * reached AND at least one attempt at another tenant's rows that did not get through;
 * `blocked` means its own rows were out of reach too (refused, or untouched).
 */
export function combineCell(evidence: CellEvidence): CellVerdict {
  if (!evidence.privileged) return { outcome: 'blocked', detail: 'no privilege' };
  const leak = evidence.attempts.find((a) => a.aim === 'foreign' && a.result === 'reached');
  if (leak) return { outcome: 'leaked', detail: leak.note };
  const error = evidence.attempts.find((a) => a.result === 'error');
  if (error) return { outcome: 'not-tested', detail: error.note };
  const own = evidence.attempts.filter((a) => a.aim === 'own');
  const foreign = evidence.attempts.filter((a) => a.aim === 'foreign');
  const why = (aim: 'own' | 'foreign', fallback: string) => evidence.untried.find((u) => u.aim === aim)?.reason ?? fallback;
  if (own.some((a) => a.result === 'reached')) {
    return foreign.length > 0 ? { outcome: 'allowed' } : { outcome: 'not-tested', detail: why('foreign', 'no other tenant’s row to aim at') };
  }
  if (own.length === 0) return { outcome: 'not-tested', detail: why('own', 'no row of its own to aim at') };
  const refused = own.find((a) => a.result === 'refused');
  return { outcome: 'blocked', detail: (refused ?? own[0]!).note };
}

/**
 * SQLSTATEs that mean "the server will not let the app do this": insufficient privilege (also
 * a row-level security WITH CHECK violation), an object of the wrong kind (a materialized
 * view), a view that cannot be written, a view's CHECK OPTION.
 */
const refusals = new Set(['42501', '42809', '55000', '44000']);

/** How an attempt ended: `ok`, refused by the server, a foreign-key violation, or another error. */
export function endingOf(outcome: AttemptOutcome): 'ok' | 'refused' | 'foreign-key' | 'error' {
  if (!outcome.error) return 'ok';
  if (outcome.error.code !== undefined && refusals.has(outcome.error.code)) return 'refused';
  return outcome.error.code === '23503' ? 'foreign-key' : 'error';
}

/**
 * A server message fit for the report: credentials masked, canaries replaced by whose they
 * are (never another tenant's data in the matrix), one line, at most 160 characters.
 */
export function redactNote(text: string, codec: CanaryCodec): string {
  let note = redactCredentials(text).replace(/\s+/g, ' ').trim();
  for (const hit of codec.scan(note)) note = note.split(hit.canary).join(`<tenant #${hit.tenantIndex} value>`);
  return note.length > 160 ? `${note.slice(0, 159)}…` : note;
}

/** The note of a failed attempt: `<what> (<SQLSTATE>): <message>`, redacted. */
export function errorNote(what: string, outcome: AttemptOutcome, codec: CanaryCodec): string {
  const error = outcome.error!;
  return redactNote(`${what} (${error.code ?? 'no code'}): ${error.message}`, codec);
}
