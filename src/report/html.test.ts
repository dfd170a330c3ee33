import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Report } from '../core/report.ts';
import { expectGolden, fixtureReport, fixtureReportNames } from '../../test/helpers/golden.ts';
import { renderHtml } from './html.ts';

/**
 * String-level checks of the HTML report: golden files for the three fixtures, no reference
 * to anything outside the page, hostile report text escaped everywhere (content and
 * attributes), and the markers a reviewer relies on (incomplete, suppressed, baseline,
 * inconclusive, access matrix, charts). test/html-chromium.test.ts checks the rendered page.
 */

const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;
const hostileEscaped = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&#39;';

/** Every start tag of the page. Report text is escaped, so a `<` in it can never open a tag. */
function tags(html: string): string[] {
  return html.match(/<[a-zA-Z][^>]*>/g) ?? [];
}

/** A start tag's name and attributes; values are quoted, so `src=` inside a value is text, not an attribute. */
function parseTag(tag: string): { name: string; attributes: { name: string; value: string }[] } {
  const name = /^<([a-zA-Z][\w:-]*)/.exec(tag)![1]!.toLowerCase();
  const attributes = [...tag.slice(name.length + 1).matchAll(/\s([^\s=>"'/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?/g)].map((m) => ({
    name: m[1]!.toLowerCase(),
    value: (m[2] ?? '').replace(/^["']|["']$/g, ''),
  }));
  return { name, attributes };
}

/** Every way the page could make the browser load something, as a list of offending snippets. */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const tag of tags(html)) {
    const { name, attributes } = parseTag(tag);
    if (/^(link|img|iframe|object|embed|base|source|video|audio|frame|image|use|form|input|track)$/.test(name)) found.push(tag);
    for (const a of attributes) {
      if (/^(src|srcset|action|formaction|poster|background|data|ping|style)$/.test(a.name)) found.push(tag);
      if (/^(xlink:)?href$/.test(a.name) && !a.value.startsWith('#')) found.push(tag);
      if (/https?:|\/\/|url\(|data:|javascript:/i.test(a.value) || /^on/.test(a.name)) found.push(tag);
    }
  }
  const style = html.match(/<style>([\s\S]*?)<\/style>/)?.[1] ?? '';
  if (/url\(|@import|https?:/i.test(style)) found.push('<style> loads something');
  if (/<meta[^>]*http-equiv="refresh"/i.test(html)) found.push('meta refresh');
  return found;
}

const sha = (text: string) => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;

/** The findings fixture with hostile text in every place report text reaches the page. */
function hostileReport(): Report {
  const report = structuredClone(fixtureReport('findings'));
  report.scenario.name = hostile;
  const [first, second, third] = report.results.filter((r) => r.findings.length > 0);
  const finding = first!.findings[0]!;
  finding.message = hostile;
  finding.subject = { table: hostile };
  finding.evidence = { sql: hostile, [hostile]: 'key' };
  finding.reproduction = hostile;
  finding.location = { file: hostile, line: 3 };
  first!.meta = { ...first!.meta, id: hostile, title: hostile, description: hostile, remediation: hostile };
  second!.findings[0]!.suppressed = { reason: hostile };
  third!.findings[0]!.baseline = 'existing';
  report.results.push({ meta: { ...first!.meta, id: 'broken-check' }, verdict: 'inconclusive', findings: [], durationMs: 1, error: hostile });
  report.accessMatrix = {
    tenants: [{ index: 0, id: hostile }],
    relations: [hostile, 'public.notes'],
    operations: ['select', 'update'],
    cells: [
      { tenant: 0, relation: hostile, operation: 'select', outcome: 'leaked', detail: hostile },
      { tenant: 0, relation: hostile, operation: 'update', outcome: 'blocked' },
      { tenant: 0, relation: 'public.notes', operation: 'select', outcome: 'allowed' },
      { tenant: 0, relation: 'public.notes', operation: 'update', outcome: 'not-tested', detail: 'no row to aim at' },
    ],
  };
  return report;
}

describe('renderHtml', () => {
  for (const name of fixtureReportNames) {
    it(`matches the golden file for the ${name} report`, () => {
      expectGolden(`${name}.html`, renderHtml(fixtureReport(name)));
    });

    it(`references nothing outside the page (${name})`, () => {
      const html = renderHtml(fixtureReport(name));
      expect(externalReferences(html)).toEqual([]);
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    });
  }

  it('finds external references when there are some (the checker itself can fail)', () => {
    const page = (inject: string) => renderHtml(fixtureReport('empty')).replace('<footer>', `${inject}<footer>`);
    for (const bad of ['<img src="x.png">', '<div onclick="x()">', '<p style="background:url(x)">', '<a href="https://example.com">x</a>', '<link rel="stylesheet" href="a.css">', '<div title="http://x">', '<svg><image href="//x"/></svg>']) {
      expect(externalReferences(page(bad)), bad).not.toEqual([]);
    }
    expect(externalReferences(page('<a href="#findings">ok</a>'))).toEqual([]);
  });

  it('escapes hostile report text in content and attributes', () => {
    const html = renderHtml(hostileReport());
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('alert(1)</script>');
    expect(externalReferences(html)).toEqual([]);
    // Content: message, title, description, reproduction, inconclusive reason, relation name.
    expect(html.split(hostileEscaped).length - 1).toBeGreaterThanOrEqual(8);
    // Attributes: the check's id, the cell title and the suppression reason stay inside their quotes.
    expect(html).toContain(`id="check-${hostileEscaped}"`);
    expect(html).toContain(`title="suppressed: ${hostileEscaped}"`);
    expect(html).toMatch(new RegExp(`<td class="cell o-leaked[^"]*" data-outcome="leaked" title="[^"]*${hostileEscaped.replace(/[()]/g, '\\$&')}">leaked</td>`));
    for (const tag of tags(html)) expect((tag.match(/"/g)?.length ?? 0) % 2, tag).toBe(0);
    // The evidence is shown as pretty JSON, escaped.
    expect(html).toContain(`&quot;sql&quot;: &quot;\\&quot;&gt;&lt;script&gt;`);
  });

  it('marks suppressed, baseline-existing and inconclusive results', () => {
    const html = renderHtml(hostileReport());
    expect(html).toMatch(/<details class="finding is-suppressed">.*?<span class="badge b-suppressed"[^>]*>suppressed<\/span>/s);
    expect(html).toMatch(/<details class="finding is-existing">.*?>existing \(in baseline\)<\/span>/s);
    expect(html).toContain('<h3>Inconclusive checks</h3>');
    expect(html).toMatch(/INCONCLUSIVE<\/span> <strong>[^<]*<\/strong> <code>broken-check<\/code>/);
  });

  it('shows an unmistakable INCOMPLETE marker only when the run did not finish', () => {
    const empty = renderHtml(fixtureReport('empty'));
    expect(empty).toContain('<span class="tag">INCOMPLETE</span>');
    expect(empty).toContain('backend-unavailable');
    expect(empty).toContain('No access matrix: the attack phase did not run');
    expect(empty).toContain('No load measurements: the load phase did not run');
    expect(renderHtml(fixtureReport('passing'))).not.toContain('INCOMPLETE');
    const errored = { ...fixtureReport('passing'), error: { code: 'internal', message: 'boom' } };
    expect(renderHtml(errored)).toContain('<span class="tag">INCOMPLETE</span>');
  });

  it('renders the access matrix with one cell per result and a legend', () => {
    const report = hostileReport();
    const html = renderHtml(report);
    expect(html.match(/data-outcome="leaked"/g)).toHaveLength(1);
    expect(html.match(/data-outcome="/g)).toHaveLength(report.accessMatrix!.cells.length);
    expect(html).toContain('title="tenant #0 · update on public.notes: not tested — no row to aim at"');
    expect(html).toContain('class="legend matrix-legend"');
  });

  it('draws the load charts as inline SVG with titles, axes and legends', () => {
    const html = renderHtml(fixtureReport('passing'));
    const svgs = html.match(/<svg class="chart" role="img"[^>]*><title>[^<]+<\/title>/g) ?? [];
    expect(svgs.length).toBeGreaterThanOrEqual(3);
    expect(html).toContain('latency (log scale)');
    expect(html).toContain('class="hist ');
    expect(html).toContain('<ul class="legend">');
    expect(html).toContain('RLS overhead');
  });

  it('falls back to percentile ladders when the samples carry no histograms', () => {
    const report = structuredClone(fixtureReport('passing'));
    for (const run of report.load!.runs) for (const v of run.victims) delete v.histogram;
    const html = renderHtml(report);
    expect(html).toContain('class="ladder ');
    expect(html).toContain('this report carries no histograms');
  });

  it('is deterministic and carries a CSP that admits exactly its own style and script', () => {
    const report = fixtureReport('findings');
    const html = renderHtml(report);
    expect(renderHtml(structuredClone(report))).toBe(html);
    const style = html.match(/<style>([\s\S]*?)<\/style>/)![1]!;
    const script = html.match(/<script>([\s\S]*?)<\/script>/)![1]!;
    expect(html.replaceAll('&#39;', "'")).toContain(`content="default-src 'none'; style-src '${sha(style)}'; script-src '${sha(script)}';`);
  });
});
