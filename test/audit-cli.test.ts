import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditRules } from '../src/audit/registry.ts';
import { repoRoot, runCli } from './helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'tenantguard-audit-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const shop = join(repoRoot, 'fixtures/live/shop.sql');
const tenancy = { tenantColumns: ['shop_id'], tenantTable: 'public.shops', appRole: 'shop_app', context: { setting: 'shop.id' } };

describe('tenantguard audit on a scenario', () => {
  it('fails (exit 1) with each finding located at the schema line that created its object', async () => {
    const file = join(work, 'shop.json');
    writeFileSync(file, JSON.stringify({ schema: shop, tenancy }));
    const out = join(work, 'shop');
    const result = await runCli(['audit', file, '--out', out]);
    expect(result.code).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const findings = report.results.flatMap((r: { findings: unknown[] }) => r.findings);
    const orders = findings.find((f: { checkId: string }) => f.checkId === 'rls-disabled');
    expect(orders.subject).toEqual({ schema: 'public', table: 'orders' });
    expect(orders.location).toEqual({ file: 'fixtures/live/shop.sql', line: 22, column: 14 });
    const customers = findings.find((f: { checkId: string }) => f.checkId === 'policy-opens-without-context');
    expect(customers.location).toMatchObject({ file: 'fixtures/live/shop.sql', line: 18 });
    expect(report.phases[0]).toEqual({ phase: 'audit', status: 'ran' });
    expect(report.seeding).toBeNull(); // the audit never seeds
  });

  it('passes (exit 0) when the findings are suppressed with a reason, and says how many were suppressed', async () => {
    const first = join(work, 'first');
    const file = join(work, 'shop.json');
    writeFileSync(file, JSON.stringify({ schema: shop, tenancy }));
    await runCli(['audit', file, '--out', first, '--quiet']);
    const findings = JSON.parse(readFileSync(join(first, 'report.json'), 'utf8')).results.flatMap((r: { findings: { fingerprint: string; severity: string }[] }) => r.findings);
    const suppressions = findings.map((f: { fingerprint: string }) => ({ fingerprint: f.fingerprint, reason: 'accepted for the test' }));
    const suppressedFile = join(work, 'suppressed.json');
    writeFileSync(suppressedFile, JSON.stringify({ schema: shop, tenancy, audit: { suppressions } }));
    const result = await runCli(['audit', suppressedFile, '--out', join(work, 'suppressed')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${findings.length} suppressed finding`));
  });

  it('--fail-on raises the threshold: critical findings only fail at critical or below', async () => {
    const file = join(work, 'shop.json');
    writeFileSync(file, JSON.stringify({ schema: shop, tenancy }));
    const result = await runCli(['audit', file, '--fail-on', 'critical', '--out', join(work, 'critical'), '--quiet']);
    expect(result.code).toBe(1);
  });
});

describe('tenantguard checks', () => {
  it('lists every registered check with id, severity and title', async () => {
    const result = await runCli(['checks']);
    expect(result.code).toBe(0);
    for (const rule of auditRules) expect(result.stdout).toMatch(new RegExp(`${rule.meta.id}\\s+audit\\s+${rule.meta.severity}\\s+${rule.meta.title.slice(0, 20).replace(/[()]/g, '.')}`));
    const json = JSON.parse((await runCli(['checks', '--json'])).stdout);
    expect(json.filter((c: { kind: string }) => c.kind === 'audit')).toHaveLength(auditRules.length);
  });
});
