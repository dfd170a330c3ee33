import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('policy-opens-without-context', () => {
  it('broken: an IS NULL escape opens when unset; coalescing to the column opens when unset and when reset', async () => {
    const findings = await ruleFindings(server(), 'policy-opens-without-context', 'broken');
    const seen = findings.map((f) => [f.subject.table, f.subject.policy, f.evidence?.['situation'], f.evidence?.['commands']]);
    expect(seen).toEqual([
      ['files', 'files_read', 'unset', ['SELECT']],
      ['files', 'files_read', 'empty', ['SELECT']],
      ['notes', 'notes_read', 'unset', ['SELECT']],
    ]);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(3);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'policy-opens-without-context', 'fixed')).toEqual([]);
  });
});
