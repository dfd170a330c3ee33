import { describe, expect, it } from 'vitest';
import { CanaryCodec } from '../core/canary.ts';
import type { AttemptOutcome } from '../db/app-session.ts';
import { combineCell, endingOf, errorNote, redactNote, type CellAttempt, type CellEvidence } from './access-matrix-cell.ts';
import { accessOperations } from './access-matrix.ts';

const own = (result: CellAttempt['result'], note = `own ${result}`): CellAttempt => ({ aim: 'own', result, note });
const foreign = (result: CellAttempt['result'], note = `foreign ${result}`): CellAttempt => ({ aim: 'foreign', result, note });
const cell = (attempts: CellAttempt[], untried: CellEvidence['untried'] = [], privileged = true): CellEvidence => ({ privileged, attempts, untried });

describe('combineCell', () => {
  it('is blocked without the privilege, whatever was tried', () => {
    expect(combineCell(cell([foreign('reached')], [], false))).toEqual({ outcome: 'blocked', detail: 'no privilege' });
  });

  it('calls a reached foreign row a leak, before errors and refusals', () => {
    expect(combineCell(cell([own('error'), foreign('refused'), foreign('reached', 'deleted a row of tenant #2 by key'), foreign('reached', 'second')]))).toEqual({
      outcome: 'leaked',
      detail: 'deleted a row of tenant #2 by key',
    });
    // A leak needs no own row: reading others' rows is a leak even for a tenant with none.
    expect(combineCell(cell([foreign('reached', 'read rows of tenant #1')], [{ aim: 'own', reason: 'none of its own' }])).outcome).toBe('leaked');
  });

  it('leaves a cell with an unexpected error untested: the error proves nothing either way', () => {
    expect(combineCell(cell([own('reached'), foreign('error', 'update (23514): check failed'), foreign('refused')]))).toEqual({ outcome: 'not-tested', detail: 'update (23514): check failed' });
  });

  it('allows only when its own rows were reached and another tenant’s were aimed at and missed', () => {
    expect(combineCell(cell([own('reached'), foreign('refused'), foreign('no-effect')]))).toEqual({ outcome: 'allowed' });
    expect(combineCell(cell([own('reached')], [{ aim: 'foreign', reason: 'no row of tenant #1 in it to aim at' }]))).toEqual({
      outcome: 'not-tested',
      detail: 'no row of tenant #1 in it to aim at',
    });
    expect(combineCell(cell([own('reached')])).outcome).toBe('not-tested');
  });

  it('is untested when it had nothing of its own to aim at and nothing leaked', () => {
    expect(combineCell(cell([foreign('no-effect')], [{ aim: 'own', reason: 'no row of tenant #0 in it to aim at' }]))).toEqual({
      outcome: 'not-tested',
      detail: 'no row of tenant #0 in it to aim at',
    });
    expect(combineCell(cell([foreign('refused')])).outcome).toBe('not-tested');
  });

  it('blocks when its own rows were out of reach, saying why (a refusal first)', () => {
    expect(combineCell(cell([own('refused', 'update (42501): new row violates row-level security policy'), foreign('refused')]))).toEqual({
      outcome: 'blocked',
      detail: 'update (42501): new row violates row-level security policy',
    });
    expect(combineCell(cell([own('no-effect', 'no row affected'), own('refused', 'refused'), foreign('no-effect')]))).toEqual({ outcome: 'blocked', detail: 'refused' });
    expect(combineCell(cell([own('no-effect', 'read none of its own rows'), foreign('no-effect')]))).toEqual({ outcome: 'blocked', detail: 'read none of its own rows' });
  });
});

describe('endingOf', () => {
  const failed = (code: string | undefined): AttemptOutcome => ({ results: [], verify: [], notices: [], error: { code, message: 'x' } });
  it('tells refusals, foreign-key violations and other errors apart', () => {
    expect(endingOf({ results: [], verify: [], notices: [] })).toBe('ok');
    for (const code of ['42501', '42809', '55000', '44000']) expect(endingOf(failed(code)), code).toBe('refused');
    expect(endingOf(failed('23503'))).toBe('foreign-key');
    for (const code of ['23505', '23514', '57014', '42P01', undefined]) expect(endingOf(failed(code)), String(code)).toBe('error');
  });
});

describe('redactNote', () => {
  const codec = new CanaryCodec(7, 4);
  it('masks credentials and other tenants’ values, on one short line', () => {
    const value = codec.token(2, 5);
    const note = redactNote(`could not connect to postgres://tg_app:s3cret@db:5432/app\n  key (${value}) exists ${codec.uuid(1, 3)}`, codec);
    expect(note).not.toContain('s3cret');
    expect(note).not.toContain(value);
    expect(note).toBe('could not connect to postgres://tg_app:***@db:5432/app key (<tenant #2 value>) exists <tenant #1 value>');
    expect(redactNote('x'.repeat(400), codec)).toHaveLength(160);
  });

  it('names the statement and the SQLSTATE of a failed attempt', () => {
    const outcome: AttemptOutcome = { results: [], verify: [], notices: [], error: { code: '42501', message: 'permission denied for table notes' } };
    expect(errorNote('select', outcome, codec)).toBe('select (42501): permission denied for table notes');
  });
});

it('lists the operations in the matrix’s column order', () => {
  expect(accessOperations).toEqual(['select', 'insert', 'update', 'delete']);
});
