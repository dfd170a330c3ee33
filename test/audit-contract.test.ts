import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditRules } from '../src/audit/registry.ts';
import { severities } from '../src/core/check.ts';
import { repoRoot } from './helpers/cli.ts';

// DESIGN §5: a rule is a file, its test, a broken and a fixed fixture, a doc page and one
// registry line. This fails when any of them disagree.
const rulesDir = join(repoRoot, 'src/audit/rules');
const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

describe('audit rule contract', () => {
  it('registers every rule file exactly once, under its file name', () => {
    const ids = auditRules.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ruleFiles.map((f) => f.replace(/\.ts$/, '')).sort());
  });

  it.each(auditRules.map((r) => [r.meta.id, r] as const))('%s has its test, fixtures, doc page and complete metadata', (id, rule) => {
    expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(rule.meta.kind).toBe('audit');
    expect(severities).toContain(rule.meta.severity);
    for (const text of [rule.meta.title, rule.meta.description, rule.meta.remediation]) expect(text.length).toBeGreaterThan(10);
    expect(existsSync(join(rulesDir, `${id}.test.ts`))).toBe(true);
    expect(existsSync(join(repoRoot, 'fixtures/flaws', id, 'broken.sql'))).toBe(true);
    expect(existsSync(join(repoRoot, 'fixtures/flaws', id, 'fixed.sql'))).toBe(true);
    const doc = join(repoRoot, 'docs/checks', `${id}.md`);
    expect(existsSync(doc)).toBe(true);
    const text = readFileSync(doc, 'utf8');
    for (const heading of ['## What it detects', '## Why it matters', '## How to fix', '## Example']) expect(text).toContain(heading);
    expect(text).toContain(`Severity: **${rule.meta.severity}**`);
  });

  it('has no doc page or fixture folder without a rule', () => {
    const ids = new Set(auditRules.map((r) => r.meta.id));
    const docs = readdirSync(join(repoRoot, 'docs/checks')).map((f) => f.replace(/\.md$/, ''));
    const fixtures = readdirSync(join(repoRoot, 'fixtures/flaws')).filter((f) => !f.startsWith('_') && !f.endsWith('.sql'));
    expect(docs.filter((d) => !ids.has(d))).toEqual([]);
    expect(fixtures.filter((d) => !ids.has(d))).toEqual([]);
  });
});
