import { existsSync } from 'node:fs';
import { embeddedBackend } from '../src/db/backends/embedded.ts';
import { fmt, median } from './stats.ts';

const runs = 5;

async function coldStarts(binDir?: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    const db = await embeddedBackend({ binDir }).start();
    times.push(performance.now() - began);
    await db.stop();
  }
  return times;
}

/** Cold start (initdb + server start + first query) of the embedded backend, and of Debian's PG 15 for comparison. */
export async function benchColdStart(log: (text: string) => void): Promise<string> {
  const rows: string[] = [];
  const embedded = await coldStarts();
  log(`  embedded: median ${fmt(median(embedded))} ms`);
  rows.push(`| embedded (npm binaries) | ${fmt(median(embedded))} | ${fmt(Math.min(...embedded))} | ${fmt(Math.max(...embedded))} |`);
  const pg15 = '/usr/lib/postgresql/15/bin';
  if (existsSync(`${pg15}/postgres`)) {
    const debian = await coldStarts(pg15);
    log(`  debian pg15: median ${fmt(median(debian))} ms`);
    rows.push(`| same code path, Debian PostgreSQL 15 binaries | ${fmt(median(debian))} | ${fmt(Math.min(...debian))} | ${fmt(Math.max(...debian))} |`);
  }
  return [
    '## Embedded cold start',
    '',
    `Fresh temp dir, \`initdb\`, server start on a free port, first query; ${runs} runs each. Stop and cleanup not included.`,
    '',
    '| backend | median ms | min ms | max ms |',
    '|---|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
