import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { OnEvent, RunEvent } from '../core/events.ts';
import { HarnessError, isHarnessError } from '../core/errors.ts';
import { redactCredentials } from '../db/connect.ts';
import { formatDuration } from '../report/console.ts';

/** `reports/20261122-144200-123` style folder name for a run started now. */
export function runFolderName(now = new Date()): string {
  const iso = now.toISOString(); // 2026-11-22T14:42:00.123Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}`;
}

/** The run's output folder with its server log; created at the start so logs land there. */
export interface RunFolder {
  dir: string;
  serverLog: WriteStream;
  /** The log of the app under HTTP attack (`app.log`), opened on its first line. */
  appLog(): WriteStream;
  close(): Promise<void>;
}

/** Creates the run folder (default `reports/<timestamp>`). */
export function openRunFolder(out: string | undefined): RunFolder {
  const dir = resolve(out ?? join('reports', runFolderName()));
  mkdirSync(dir, { recursive: true });
  const serverLog = createWriteStream(join(dir, 'postgres.log'));
  let appLog: WriteStream | undefined;
  const end = (stream: WriteStream | undefined) => new Promise<void>((done) => (stream ? stream.end(done) : done()));
  return {
    dir,
    serverLog,
    appLog: () => (appLog ??= createWriteStream(join(dir, 'app.log'))),
    close: async () => {
      await end(serverLog);
      await end(appLog);
    },
  };
}

/** Writes a file into the run folder and returns its path relative to the working directory. */
export async function writeRunFile(folder: Pick<RunFolder, 'dir'>, name: string, content: string): Promise<string> {
  const path = join(folder.dir, name);
  await writeFile(path, content);
  return relative(process.cwd(), path) || path;
}

/**
 * Prints progress on stderr (stdout stays for results) and sends the server log to the run
 * folder. Seeding progress is throttled to one line per table.
 */
export function progressPrinter(folder: RunFolder | null, quiet: boolean, tty = Boolean(process.stderr.isTTY)): OnEvent {
  let lastDetail = '';
  // A live status line is rewritten in place on a terminal and cleared before any other line.
  let live = false;
  const clearLive = () => {
    if (live) process.stderr.write('\r\x1b[K');
    live = false;
  };
  const say = (text: string) => {
    if (quiet) return;
    clearLive();
    process.stderr.write(`${text}\n`);
  };
  return (event: RunEvent) => {
    switch (event.type) {
      case 'server-log':
        folder?.serverLog.write(`${redactCredentials(event.line)}\n`);
        return;
      case 'app-log':
        folder?.appLog().write(`${redactCredentials(event.line)}\n`);
        return;
      case 'phase-start':
        lastDetail = '';
        say(`▸ ${event.phase}${event.detail ? `: ${event.detail}` : ''}`);
        return;
      case 'phase-end':
        say(`✓ ${event.phase} (${formatDuration(event.durationMs)})${event.detail ? `: ${event.detail}` : ''}`);
        return;
      case 'progress':
        if (event.detail && event.detail !== lastDetail) {
          lastDetail = event.detail;
          say(`  ${event.phase}: ${event.detail} [${event.done}/${event.total}]`);
        }
        return;
      case 'status':
        if (quiet || !tty) return;
        process.stderr.write(`\r\x1b[K  ${event.phase}: ${event.text}`.slice(0, (process.stderr.columns ?? 100) + 6));
        live = true;
        return;
      case 'info':
        say(`  ${event.message}`);
        return;
      case 'warning':
        say(`  ! ${event.message}`);
        return;
    }
  };
}

/** Prints a harness error with its problems and hint; returns its exit code. */
export function printError(error: unknown): number {
  const harness = isHarnessError(error) ? error : new HarnessError('internal', String(error instanceof Error ? error.message : error));
  process.stderr.write(`error: ${redactCredentials(harness.message)}\n`);
  for (const problem of harness.problems) process.stderr.write(`  - ${problem}\n`);
  if (harness.hint) process.stderr.write(`hint: ${harness.hint}\n`);
  if (harness.code === 'internal' && error instanceof Error && process.env['TENANTGUARD_DEBUG']) {
    process.stderr.write(`${error.stack ?? ''}\n`);
  }
  return harness.exitCode;
}
