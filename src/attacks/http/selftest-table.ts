import type { SelftestResult } from './selftest.ts';

const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** The self-test as a plain-text table and a verdict line (pure: the CLI prints it). */
export function formatSelftest(result: SelftestResult): string {
  const rows = [['configuration', 'verdict', 'first detection', 'detected by', 'findings']];
  rows.push(['clean app', result.clean.findings.length === 0 ? 'no finding (ok)' : 'FINDINGS (false positives)', seconds(result.clean.firstDetectionMs), result.clean.detectedBy.join(', ') || '—', String(result.clean.findings.length)]);
  for (const f of result.flaws) {
    rows.push([`flaw ${f.flaw}`, f.findings.length > 0 ? 'detected' : 'NOT DETECTED', seconds(f.firstDetectionMs), f.detectedBy.join(', ') || '—', String(f.findings.length)]);
  }
  const lines = [table(rows), ''];
  for (const c of [result.clean, ...result.flaws]) {
    for (const problem of c.inconclusive) lines.push(`inconclusive (${c.flaw ?? 'clean'}): ${problem}`);
  }
  for (const finding of result.clean.findings) lines.push(`clean app: ${finding.message}`, finding.reproduction ?? '', '');
  lines.push(
    `baseline: the secure app behind the default fairness gate turned ${result.baseline.rejected}/${result.baseline.requests} flood requests away (no-fairness is detected by the absence of that throttling, not by a leak)`,
    `mutation score: ${result.detected}/${result.total} flaws detected (${Math.round(result.score * 100)}%) · clean app: ${result.clean.findings.length} finding(s) · ${seconds(result.durationMs)}`,
    result.passed ? 'selftest passed' : 'selftest FAILED',
  );
  return `${lines.join('\n')}\n`;
}
