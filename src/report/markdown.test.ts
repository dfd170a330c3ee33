import { describe, expect, it } from 'vitest';
import { expectGolden, fixtureReport, fixtureReportNames } from '../../test/helpers/golden.ts';
import type { CheckResult, Finding, Severity } from '../core/check.ts';
import type { Report, ReportLoad } from '../core/report.ts';
import { escapeHtml, escapeLine, escapeText, fencedBlock, inlineCode, reproductionLanguage } from './markdown-escape.ts';
import { githubCommentLimit, markdownReportMarker, renderMarkdown } from './markdown.ts';

/**
 * There is no Markdown parser among the dependencies, so the structure is checked with the
 * CommonMark rules the formatter relies on: a fence opens with three or more backticks at the
 * start of a line and closes on a line of at least as many; GFM splits table cells on every
 * pipe not preceded by a backslash (inside code spans too).
 */
function splitFences(markdown: string): { outside: string; blocks: { info: string; body: string }[] } {
  const outside: string[] = [];
  const blocks: { info: string; body: string }[] = [];
  let open: { fence: number; info: string; lines: string[] } | null = null;
  for (const line of markdown.split('\n')) {
    if (open) {
      const close = /^(`+)\s*$/.exec(line);
      if (close && close[1]!.length >= open.fence) {
        blocks.push({ info: open.info, body: open.lines.join('\n') });
        open = null;
      } else open.lines.push(line);
      continue;
    }
    const start = /^(`{3,})([^`]*)$/.exec(line);
    if (start) open = { fence: start[1]!.length, info: start[2]!.trim(), lines: [] };
    else outside.push(line);
  }
  expect(open, 'a fenced block is never closed').toBeNull();
  return { outside: outside.join('\n'), blocks };
}

/** Cells of a GFM table row: split on unescaped pipes. */
const cellCount = (row: string) => row.replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).length;

/** Every table: all rows have as many cells as the header. */
function expectTablesWellFormed(markdown: string): number {
  const tables: string[][] = [];
  let previous = '';
  for (const line of splitFences(markdown).outside.split('\n')) {
    if (line.startsWith('|')) {
      if (!previous.startsWith('|')) tables.push([]);
      tables.at(-1)!.push(line);
    }
    previous = line;
  }
  for (const [header, ...rows] of tables) {
    for (const row of rows) expect(cellCount(row), `row ${row}`).toBe(cellCount(header!));
  }
  return tables.length;
}

function finding(over: Partial<Finding> & { fingerprint: string }): Finding {
  return { checkId: 'read-by-key', severity: 'high', message: 'tenant #0 read a row of tenant #1', subject: {}, ...over };
}

function result(id: string, findings: Finding[], over: Partial<CheckResult> = {}): CheckResult {
  const kind = id.startsWith('audit') ? 'audit' : 'attack';
  return { meta: { id, kind, title: id, description: id, severity: 'high', remediation: 'fix it' }, verdict: findings.length > 0 ? 'fail' : 'pass', findings, durationMs: 1, ...over };
}

/** The findings fixture with other results (its counts are left as they are: the formatter shows the report's own). */
function reportWith(results: CheckResult[], over: Partial<Report> = {}): Report {
  return { ...fixtureReport('findings'), results, ...over };
}

describe('renderMarkdown golden files', () => {
  for (const name of fixtureReportNames) {
    it(`renders the ${name} report`, () => {
      const markdown = renderMarkdown(fixtureReport(name));
      expect(markdown.startsWith(markdownReportMarker)).toBe(true);
      expect(markdown.length).toBeLessThanOrEqual(githubCommentLimit);
      expectTablesWellFormed(markdown);
      expectGolden(`${name}.md`, markdown);
    });
  }

  it('gives the verdict and its reason in the heading lines', () => {
    expect(renderMarkdown(fixtureReport('findings'))).toMatch(/^## ❌ FAIL.*\n\n22 finding\(s\) at or above high\n/m);
    expect(renderMarkdown(fixtureReport('passing'))).toMatch(/^## ✅ PASS/m);
  });
});

describe('renderMarkdown escaping', () => {
  const hostile = 'policy a|b on `x` ```\n## not a heading\n<script>alert(1)</script> &amp; [link](http://evil) @admin #12 ~~gone~~';
  const script = 'SELECT 1;\n```\n</details>\n<script>alert(1)</script>\n````sh\nrm -rf /\n````';
  const report = reportWith(
    [result('read-by-key', [finding({ fingerprint: 'f1', message: hostile, subject: { schema: 'public', table: '<script>x</script>"&' }, reproduction: script, location: { file: 'schema`s|x.sql', line: 7 }, replay: { seed: 1, command: 'tenantguard replay `x`' } })])],
    { phases: [{ phase: 'attack', status: 'failed', reason: 'broke | the table\nand a line' }] },
  );
  // Rendered inside each test, so a broken fence fails a test rather than the file's collection.
  const render = () => {
    const markdown = renderMarkdown(report);
    return { markdown, ...splitFences(markdown) };
  };

  it('keeps a reproduction inside its fence, byte for byte, whatever backticks it holds', () => {
    const { outside, blocks } = render();
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.body).toBe(script);
    expect(blocks[0]!.info).toBe('sql');
    expect(outside.match(/<details>/g)).toHaveLength(1);
    expect(outside.match(/<\/details>/g)).toHaveLength(1);
  });

  it('lets no raw HTML, heading, link or mention out of report text', () => {
    const { outside } = render();
    expect(outside).not.toMatch(/(?<!\\)<script/i);
    expect(outside).toContain('\\<script\\>');
    expect(outside).not.toMatch(/^## not a heading/m);
    expect(outside).not.toContain('[link]');
    expect(outside).toContain('\\&amp;');
    expect(outside).not.toMatch(/(^|\W)@admin/);
    expect(outside).not.toMatch(/#12/);
    expect(outside).toContain('a\\|b');
  });

  it('HTML-escapes the text inside <summary>, where Markdown escapes would not apply', () => {
    const { outside } = render();
    expect(outside).toContain('<summary>Reproduction (SQL, for psql): public.&#60;script&#62;x&#60;/script&#62;&#34;&#38;</summary>');
  });

  it('keeps table rows whole when a cell holds a pipe or a newline', () => {
    const { markdown } = render();
    expect(expectTablesWellFormed(markdown)).toBeGreaterThan(0);
    expect(markdown).toMatch(/^\| attack \| failed: broke \\\| the table and a line \|/m);
  });

  it('shows a location with backticks and pipes exactly in a code span', () => {
    const { markdown } = render();
    expect(markdown).toContain('at ``schema`s|x.sql:7``');
    expect(markdown).toContain('Replay: `` tenantguard replay `x` ``');
  });
});

describe('markdown escape helpers', () => {
  it('inline code: delimiters longer than any backtick run, padding where CommonMark strips it', () => {
    expect(inlineCode('a')).toBe('`a`');
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('``x')).toBe('``` ``x ```');
    expect(inlineCode('a|b', true)).toBe('`a\\|b`');
    expect(inlineCode('a\nb')).toBe('`a b`');
  });

  it('fences: longer than any backtick run, at least three', () => {
    expect(fencedBlock('x', 'sql')).toBe('```sql\nx\n```');
    expect(fencedBlock('a\n`````\nb\n', 'sh')).toBe('``````sh\na\n`````\nb\n``````');
    expect(fencedBlock('x', 'not valid!')).toBe('```\nx\n```');
  });

  it('text: one line, markup escaped, control characters and ANSI colours removed', () => {
    expect(escapeText('a\r\nb *c* _d_')).toBe('a b \\*c\\* \\_d\\_');
    expect(escapeText('\x1b[31mred\x1b[0m\x00')).toBe('red\uFFFD');
    expect(escapeText('mail me@example.com, ping @team')).toBe('mail me@example.com, ping @\u2060team');
    expect(escapeLine('  1. item')).toBe('1\\. item');
    expect(escapeLine('- item')).toBe('\\- item');
    expect(escapeLine('> quote')).toBe('\\> quote');
    expect(escapeHtml('<a href="x">&\'')).toBe('&#60;a href=&#34;x&#34;&#62;&#38;&#39;');
  });

  it('tells a psql script from a shell script', () => {
    expect(reproductionLanguage('-- comment\n\\set ON_ERROR_STOP off\nBEGIN;')).toBe('sql');
    expect(reproductionLanguage('# tenantguard reproduction\ncurl -s -X GET http://x')).toBe('sh');
    expect(reproductionLanguage('# 50 times:\nseq 50 | xargs -P 20 -I{} curl -s http://x')).toBe('sh');
    expect(reproductionLanguage('just some words')).toBe('');
  });
});

describe('renderMarkdown size', () => {
  const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
  const many = Array.from({ length: 2000 }, (_, i) =>
    finding({ fingerprint: `f${i}`, severity: severities[i % 5]!, message: `finding ${i} ${'x'.repeat(200)}`, reproduction: `-- case ${i}\nSELECT ${'1, '.repeat(400)}1;`, replay: { seed: 1, command: `tenantguard replay read-by-key --path ${i}` } }),
  );
  const report = reportWith([result('read-by-key', many)]);

  it('shows the top 10 by default and counts the rest', () => {
    const markdown = renderMarkdown(report);
    expect(markdown.length).toBeLessThan(githubCommentLimit);
    expect(markdown.match(/^#### /gm)).toHaveLength(10);
    expect(markdown).toContain('**1,990 more finding(s) in the full report** (390 critical, 400 high, 400 medium, 400 low, 400 info)');
    expect(markdown).not.toContain('left out to keep this comment');
  });

  it('drops findings from the end to stay under the comment limit, and says how many', () => {
    const markdown = renderMarkdown(report, { maxFindings: 2000 });
    expect(markdown.length).toBeLessThan(githubCommentLimit);
    // …and no more than needed: one more finding block (about 1,500 characters) would not fit.
    expect(markdown.length).toBeGreaterThan(65_000 - 2_000);
    const shown = markdown.match(/^#### /gm)!.length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(2000);
    expect(markdown).toContain(`**${(2000 - shown).toLocaleString('en-US')} more finding(s) in the full report**`);
    expect(markdown).toContain(`${(2000 - shown).toLocaleString('en-US')} of them were left out to keep this comment under GitHub's 65,536-character limit`);
    // Whole blocks only: every fence and <details> still closed.
    expect(splitFences(markdown).blocks).toHaveLength(shown);
    expect(markdown.match(/<\/details>/g)).toHaveLength(shown);
  });

  it('keeps the other sections short however much the report holds', () => {
    const fixed = Array.from({ length: 2000 }, (_, i) => ({ fingerprint: `g${i}`, checkId: 'rls-disabled', severity: 'high' as const, message: 'y'.repeat(3000) }));
    const undecided = Array.from({ length: 500 }, (_, i) => result(`probe-${i}`, [], { verdict: 'inconclusive', error: 'z'.repeat(3000) }));
    const big = reportWith([...undecided, result('read-by-key', many)], { baseline: { file: 'b.json', createdAt: '2026-01-01T00:00:00.000Z', counts: { new: 2000, existing: 0, fixed: 2000 }, fixed } });
    const markdown = renderMarkdown(big);
    expect(markdown.length).toBeLessThan(githubCommentLimit);
    expect(markdown).toContain('… and 1,980 more fixed');
    expect(markdown).toContain('… and 480 more (see the full report)');
    expect(markdown.match(/^#### /gm)).toHaveLength(10);
  });
});

describe('renderMarkdown baseline', () => {
  const report = reportWith(
    [
      result('audit-rule', [finding({ checkId: 'audit-rule', fingerprint: 'old-critical', severity: 'critical', message: 'existing critical', baseline: 'existing' })]),
      result('read-by-key', [
        finding({ fingerprint: 'new-low', severity: 'low', message: 'new low', baseline: 'new' }),
        finding({ fingerprint: 'new-high', severity: 'high', message: 'new high', baseline: 'new' }),
      ]),
    ],
    {
      baseline: {
        file: 'reports/baseline.json',
        createdAt: '2026-11-01T10:00:00.000Z',
        counts: { new: 2, existing: 1, fixed: 1 },
        fixed: [{ fingerprint: 'gone', checkId: 'rls-disabled', severity: 'critical', message: 'table public.notes had RLS disabled' }],
      },
    },
  );
  const markdown = renderMarkdown(report);

  it('lists new findings first (most severe first), then existing ones, marked', () => {
    const order = ['new high', 'new low', 'existing critical'].map((m) => markdown.indexOf(`\n${m}\n`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(markdown.match(/🆕 \*\*new\*\*/g)).toHaveLength(2);
    expect(markdown).toMatch(/`audit-rule` · existing \(in the baseline\)/);
  });

  it('gives new, existing and fixed counts and lists the fixed findings', () => {
    expect(markdown).toContain('Baseline `reports/baseline.json` (written 2026-11-01T10:00:00.000Z): **2 new**');
    expect(markdown).toContain('1 existing (shown, not gating) · 1 fixed.');
    expect(markdown).toContain('- 🔴 critical `rls-disabled`: table public.notes had RLS disabled');
  });

  it('says nothing of a baseline when there is none', () => {
    const plain = renderMarkdown(fixtureReport('findings'));
    expect(plain).not.toContain('baseline');
    expect(plain).not.toContain('🆕');
  });
});

describe('renderMarkdown incomplete and inconclusive runs', () => {
  it('warns when the report is incomplete, with the reason, error and hint', () => {
    const report = reportWith([result('read-by-key', [])], {
      complete: false,
      incompleteReason: 'interrupted by the user (SIGINT)',
      error: { code: 'interrupted', message: 'the run was interrupted during the attack phase', hint: 'run it again' },
      verdict: 'inconclusive',
      verdictReason: 'the run did not finish: interrupted',
    });
    const markdown = renderMarkdown(report);
    expect(markdown).toMatch(/^## ⚠️ INCONCLUSIVE/m);
    expect(markdown).toContain('> [!WARNING]\n> **This report is incomplete**: interrupted by the user (SIGINT).');
    expect(markdown).toContain('> Error `interrupted`: the run was interrupted during the attack phase');
    expect(markdown).toContain('> Hint: run it again');
  });

  it('shows no warning for a complete report', () => {
    expect(renderMarkdown(fixtureReport('findings'))).not.toContain('[!WARNING]');
  });

  it('lists inconclusive checks with their reason', () => {
    const report = reportWith([result('read-by-key', [], { verdict: 'inconclusive', error: 'statement timeout after 5 s on public.notes' })], { verdict: 'inconclusive' });
    expect(renderMarkdown(report)).toContain('### Inconclusive checks\n\nThese checks could not decide, so the run cannot be green:\n\n- `read-by-key` (attack): statement timeout after 5 s on public.notes');
  });

  it('leaves suppressed findings out of the list, with a count', () => {
    const report = reportWith([result('read-by-key', [finding({ fingerprint: 'a', message: 'shown' }), finding({ fingerprint: 'b', message: 'hidden one', suppressed: { reason: 'accepted risk' } })])]);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('\nshown\n');
    expect(markdown).not.toContain('hidden one');
    expect(markdown).toContain('1 suppressed finding(s) are not shown');
  });
});

describe('renderMarkdown load', () => {
  const passing = fixtureReport('passing');
  const load = passing.load!;
  const markdown = renderMarkdown(passing);

  it('shows each tenant with its plan and the median over repeats (µs in ms)', () => {
    // victim #3 alone, fairness off: p50 1,748 / 1,475 / 1,008 µs and p99 7,234 / 6,953 / 4,009 µs
    // over the repeats → 1.5 and 7.0 ms (the mean, 6.1, or the worst, 7.2, would be wrong).
    expect(markdown).toMatch(/^\| alone \(baseline\) \| victim #\u20603 \| enterprise \| 1\.5 \| 3\.1 \| 7\.0 \| 8\.8 \| 100 \| 0 \| 0 \|$/m);
    // The aggressor with fairness on: p50 783,905 / 782,874 / 783,521 µs → 784 ms; errors 36 / 38 / 36
    // (median and max); rejected 134 in every repeat, so no max.
    expect(markdown).toMatch(/^\| heavy-reports ×50 \| aggressor #\u20602 \| enterprise \| 784 \| 1,416 \| 1,492 \| 1,496 \| 15 \| 36 \(max 38\) \| 134 \|$/m);
    expect(markdown).toContain('**Per-tenant latency, fairness off** (ms, median of 3 repeats)');
    expect(markdown).toContain('**Per-tenant latency, fairness on** (ms, median of 3 repeats)');
  });

  it("gives each step's verdict with its pooled p99 ratio against the budget", () => {
    const step = { ...load.steps[0]!, fairness: true, verdict: 'fail' as const, ratio: 2.8171, ratioByRepeat: { median: 2.8, min: 0.52, max: 5.21, spread: 1 }, victimP99Us: 20404, baselineP99Us: 5725 };
    const text = renderMarkdown({ ...passing, load: { ...load, steps: [step] } satisfies ReportLoad });
    // The fixture's own steps: fairness off is measured, not gated (its JSON verdict is pass,
    // at 119,723 / 6,228 µs = 19×); fairness on is the gate, 7,400 / 6,185 µs = 1.20×, 0.69×–1.42× per repeat.
    expect(markdown).toMatch(/^\| heavy-reports ×50 \| fairness off \| ➖ not gated \| \*\*19×\*\* \| 13×–28× \| 18× \| 120 vs 6\.2 \|/m);
    expect(markdown).toMatch(/^\| heavy-reports ×50 \| fairness on \| ✅ pass \| \*\*1\.20×\*\* \| 0\.69×–1\.42× \| 1\.69× \| 7\.4 vs 6\.2 \| 2,700 \/ 2,700 \| 0 \/ 0 \| 146 \/ 402 \| 22% \|$/m);
    expect(text).toContain('at most 2.00×');
    expect(text).toMatch(/^\| heavy-reports ×50 \| fairness on \| ❌ fail \| \*\*2\.82×\*\* \| 0\.52×–5\.21× \| .* \| 20\.4 vs 5\.7 \|/m);
    // Throughput 3,314.5 / 3,333.9 req/s → 0.99×; p50 2,158 / 2,041 µs → 1.06×.
    expect(text).toMatch(/^\*\*RLS overhead\*\*: .*Throughput ratio 0\.99×, p50 ratio 1\.06×\.$/m);
  });

  it('drops a load section too big for a comment, and keeps the findings', () => {
    const contended = load.runs.filter((r) => r.pattern !== null);
    const runs = [...load.runs.filter((r) => r.pattern === null), ...Array.from({ length: 300 }, (_, i) => contended.map((r) => ({ ...r, pattern: `pattern-${i}` }))).flat()];
    const text = renderMarkdown({ ...passing, load: { ...load, runs } });
    expect(text.length).toBeLessThan(githubCommentLimit);
    expect(text).not.toContain('### Noisy neighbour');
    expect(text).toContain("Sections were left out to keep this comment under GitHub's size limit");
    // The fixture's one finding (info, unique-without-tenant) is still there.
    expect(text.match(/^#### /gm)).toHaveLength(1);
    expect(text).toContain('#### ⚪ info · `unique-without-tenant`');
  });

  it("names a user's API as configured rather than fairness on or off", () => {
    const api = { ...load, setup: { ...load.setup, subject: 'api' as const }, runs: load.runs.filter((r) => r.fairness) };
    const text = renderMarkdown({ ...passing, load: api });
    expect(text).toContain('**Per-tenant latency, your API as configured**');
    expect(text).not.toContain('fairness off**');
    // A user's API is gated at every step: both of the fixture's steps show their own verdict.
    expect(text.match(/^\| heavy-reports ×50 \| your API as configured \| ✅ pass \|/gm)).toHaveLength(2);
    expect(text).not.toContain('not gated');
  });
});
