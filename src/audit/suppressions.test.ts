import { describe, expect, it } from 'vitest';
import { applyFlawFixture } from '../../test/helpers/audit.ts';
import { useTestServer } from '../../test/helpers/database.ts';
import type { OnEvent, RunEvent } from '../core/events.ts';
import { buildAuditContext } from './context.ts';
import { runAudit } from './run-audit.ts';
import rlsDisabled from './rules/rls-disabled.ts';

const server = useTestServer();

describe('suppressions', () => {
  it('keep a suppressed finding in the result, marked, without failing the check; an expired one counts again, with a warning', async () => {
    const fixture = await applyFlawFixture(server(), 'rls-disabled', 'broken');
    const context = buildAuditContext(fixture.snapshot, fixture.tenancy);
    const [plain] = runAudit(context, { rules: [rlsDisabled] });
    expect(plain!.verdict).toBe('fail');
    const fingerprint = plain!.findings[0]!.fingerprint;

    const events: RunEvent[] = [];
    const onEvent: OnEvent = (e) => events.push(e);
    const now = new Date('2026-06-01T00:00:00Z');
    const [suppressed] = runAudit(context, { rules: [rlsDisabled], now, onEvent, suppressions: [{ fingerprint, reason: 'legacy table, migration planned', expires: '2026-12-31' }] });
    expect(suppressed!.verdict).toBe('pass');
    expect(suppressed!.findings).toHaveLength(1);
    expect(suppressed!.findings[0]!.suppressed).toEqual({ reason: 'legacy table, migration planned', expires: '2026-12-31' });

    const [expired] = runAudit(context, { rules: [rlsDisabled], now: new Date('2027-01-02T00:00:00Z'), onEvent, suppressions: [{ fingerprint, reason: 'x', expires: '2026-12-31' }] });
    expect(expired!.verdict).toBe('fail');
    expect(expired!.findings[0]!.suppressed).toBeUndefined();
    expect(events.some((e) => e.type === 'warning' && e.message.includes('expired'))).toBe(true);

    runAudit(context, { rules: [rlsDisabled], onEvent, suppressions: [{ fingerprint: '0123456789abcdef', reason: 'stale' }] });
    expect(events.some((e) => e.type === 'warning' && e.message.includes('matched no finding'))).toBe(true);
  });

  it('fingerprints are stable across databases and runs for the same object', async () => {
    const a = await applyFlawFixture(server(), 'rls-disabled', 'broken');
    const b = await applyFlawFixture(server(), 'rls-disabled', 'broken');
    const [ra] = runAudit(buildAuditContext(a.snapshot, a.tenancy), { rules: [rlsDisabled] });
    const [rb] = runAudit(buildAuditContext(b.snapshot, b.tenancy), { rules: [rlsDisabled] });
    expect(ra!.findings.map((f) => f.fingerprint)).toEqual(rb!.findings.map((f) => f.fingerprint));
  });
});
