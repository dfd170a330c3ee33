import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attackProbes } from '../src/attacks/registry.ts';
import { auditRules } from '../src/audit/registry.ts';
import { severities } from '../src/core/check.ts';
import { repoRoot } from './helpers/cli.ts';

// DESIGN §5: an attack is a file and its test beside it, and one registry line.
const dir = join(repoRoot, 'src/attacks/probes');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

describe('attack probe contract', () => {
  it('registers every probe file exactly once, under its file name, with ids distinct from the audit rules', () => {
    const ids = attackProbes.map((p) => p.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
    const audit = new Set(auditRules.map((r) => r.meta.id));
    expect(ids.filter((id) => audit.has(id))).toEqual([]);
  });

  it.each(attackProbes.map((p) => [p.meta.id, p] as const))('%s has its test, complete metadata and confirms only real audit checks', (id, probe) => {
    expect(probe.meta.kind).toBe('attack');
    expect(severities).toContain(probe.meta.severity);
    for (const text of [probe.meta.title, probe.meta.description, probe.meta.remediation]) expect(text.length).toBeGreaterThan(10);
    expect(existsSync(join(dir, `${id}.test.ts`))).toBe(true);
    const audit = new Set(auditRules.map((r) => r.meta.id));
    expect(probe.confirms.filter((c) => !audit.has(c))).toEqual([]);
  });
});
