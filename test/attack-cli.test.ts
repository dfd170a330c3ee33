import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'tenantguard-attack-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const scenario = join(work, 'shop.json');
writeFileSync(
  scenario,
  JSON.stringify({
    schema: join(repoRoot, 'fixtures/live/shop.sql'),
    tenancy: { tenantColumns: ['shop_id'], tenantTable: 'public.shops', appRole: { name: 'shop_app', password: 'shop_app' }, context: { setting: 'shop.id' } },
  }),
);
type Report = { results: { meta: { id: string; kind: string }; findings: { checkId: string; subject: { table: string }; confirmation?: string; confirmedBy?: string[]; replay?: { command: string }; reproduction?: string }[] }[] };
const read = (dir: string): Report => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

describe('tenantguard attack and replay', () => {
  it('attack alone finds the leak with a replay command, and replay repeats it exactly', async () => {
    const out = join(work, 'attack');
    const result = await runCli(['attack', scenario, '--tenants', '3', '--rows', '4', '--runs', '200', '--seed', '5', '--out', out]);
    expect(result.code).toBe(1);
    const report = read(out);
    expect(report.results.every((r) => r.meta.kind === 'attack')).toBe(true); // no audit in `attack`
    const leak = report.results.flatMap((r) => r.findings).find((f) => f.checkId === 'read-by-key' && f.subject.table === 'orders')!;
    expect(leak.replay!.command).toMatch(/^tenantguard replay read-by-key .*shop\.json --seed 5 --shard \d+ --path \S+ --tenants 3 --rows 4$/);
    const args = leak.replay!.command.replace(/^tenantguard /, '').split(' ');
    const replay = await runCli([...args, '--quiet']);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain(leak.reproduction!.split('\n').find((l) => l.startsWith('SELECT * FROM'))!);
  });

  it('run marks the static findings the attacks confirmed, and the others as not confirmed', async () => {
    const out = join(work, 'run');
    const result = await runCli(['run', scenario, '--tenants', '3', '--rows', '4', '--runs', '200', '--seed', '5', '--out', out]);
    expect(result.code).toBe(1);
    const audit = read(out).results.filter((r) => r.meta.kind === 'audit').flatMap((r) => r.findings);
    const orders = audit.find((f) => f.checkId === 'rls-disabled' && f.subject.table === 'orders')!;
    expect(orders.confirmation).toBe('confirmed');
    expect(orders.confirmedBy).toContain('read-by-key');
    expect(audit.every((f) => f.confirmation === 'confirmed' || f.confirmation === 'not-confirmed')).toBe(true);
  });
});
