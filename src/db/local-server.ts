import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError, messageOf } from '../core/errors.ts';
import { ignoreEvents, type OnEvent } from '../core/events.ts';
import { findFreePort } from './free-port.ts';
import { resolveRunAs, type RunAs } from './os-user.ts';

/** Options of {@link startLocalServer}. */
export interface LocalServerOptions {
  /** Directory holding `initdb` and `postgres`. */
  binDir: string;
  /** Aborting kills a start in progress and stops a started server. */
  signal?: AbortSignal;
  onEvent?: OnEvent;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

/** A throwaway Postgres cluster in a temp dir, on a free loopback port. */
export interface LocalServer {
  host: string;
  port: number;
  superuser: string;
  /** Random per cluster; never printed. */
  password: string;
  /** The temp dir holding the data dir and the socket; removed by `stop()`. */
  rootDir: string;
  pid: number;
  /**
   * Settles with how the server went away (`was killed by SIGKILL`) if it exits while nobody
   * asked it to stop; never settles otherwise. A run watches it to end at once, naming the cause.
   */
  lost: Promise<string>;
  stop(): Promise<void>;
}

/** Settings for a disposable cluster: durability off, since nothing here must survive a crash. */
const disposableSettings: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '200',
  shared_buffers: '256MB',
  // Failed statements are not copied into the server log: a schema's CREATE ROLE ... PASSWORD
  // must not land there. The error itself reaches the report with its file and line.
  log_min_error_statement: 'panic',
};

/**
 * Starts a fresh Postgres cluster from the binaries in `binDir`: initdb into a new temp dir,
 * then `postgres` on a free port. As root, both run as an unprivileged OS user that owns the
 * temp dir. The server is stopped and the temp dir removed by `stop()`, by aborting
 * `signal`, or when start fails half way.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const onEvent = options.onEvent ?? ignoreEvents;
  const runAs = resolveRunAs(onEvent);
  const rootDir = await mkdtemp(join(tmpdir(), 'tenantguard-pg-'));
  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  // One stop, however many callers (abort, stop(), a failed start) ask for it.
  const removeAll = () =>
    (stopping ??= (async () => {
      options.signal?.removeEventListener('abort', onAbort);
      if (child) await stopProcess(child);
      await rm(rootDir, { recursive: true, force: true });
    })());
  const onAbort = () => void removeAll();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const superuser = 'tenantguard';
    const password = randomBytes(18).toString('base64url');
    await prepareDir(rootDir, runAs);
    await initCluster(options.binDir, rootDir, superuser, password, runAs, onEvent, options.signal);
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      const settings = { ...disposableSettings, ...options.settings };
      const started = await launch(options.binDir, rootDir, port, settings, runAs, onEvent, options.signal);
      if (started.ok) {
        const server = started.child;
        child = server;
        const lost = new Promise<string>((resolve) =>
          server.once('exit', (code, killedBy) => {
            if (!stopping) resolve(killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`);
          }),
        );
        return { host: '127.0.0.1', port, superuser, password, rootDir, pid: server.pid!, lost, stop: removeAll };
      }
      if (!started.portTaken || attempt >= 5) {
        throw new HarnessError('backend-failed', `Postgres did not start: ${started.reason}`, {
          hint: 'See the server log in the run folder.',
        });
      }
    }
  } catch (error) {
    await removeAll();
    if (options.signal?.aborted) throw new HarnessError('interrupted', 'interrupted while starting Postgres');
    throw error;
  }
}

async function prepareDir(rootDir: string, runAs: RunAs): Promise<void> {
  await chmod(rootDir, 0o700);
  if (runAs.uid !== undefined) await chown(rootDir, runAs.uid, runAs.gid!);
}

async function initCluster(
  binDir: string,
  rootDir: string,
  superuser: string,
  password: string,
  runAs: RunAs,
  onEvent: OnEvent,
  signal: AbortSignal | undefined,
): Promise<void> {
  const pwfile = join(rootDir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined) await chown(pwfile, runAs.uid, runAs.gid!);
  const args = ['-D', join(rootDir, 'data'), '-U', superuser, '--pwfile', pwfile, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'];
  try {
    const { code, output } = await runToEnd(join(binDir, 'initdb'), args, runAs, onEvent, signal);
    if (code !== 0) {
      throw new HarnessError('backend-failed', `initdb failed (exit ${code}): ${errorLines(output)}`, {
        hint: runAs.user
          ? `Postgres runs as the OS user "${runAs.user}", which must be able to execute ${binDir} and reach the temp dir ${rootDir} (every parent directory, e.g. of TMPDIR, needs o+x).`
          : undefined,
      });
    }
  } finally {
    await rm(pwfile, { force: true });
  }
}

function spawnAs(file: string, args: string[], runAs: RunAs): ChildProcess {
  return spawn(file, args, {
    uid: runAs.uid,
    gid: runAs.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
  });
}

function runToEnd(file: string, args: string[], runAs: RunAs, onEvent: OnEvent, signal?: AbortSignal): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(file, args, runAs);
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n')) if (line) onEvent({ type: 'server-log', line });
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new HarnessError('backend-failed', `could not run ${file}: ${messageOf(error)}`, { cause: error }));
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ code: code ?? -1, output });
    });
  });
}

type Launch = { ok: true; child: ChildProcess } | { ok: false; portTaken: boolean; reason: string };

function launch(
  binDir: string,
  rootDir: string,
  port: number,
  settings: Record<string, string>,
  runAs: RunAs,
  onEvent: OnEvent,
  signal: AbortSignal | undefined,
): Promise<Launch> {
  const args = ['-D', join(rootDir, 'data'), '-p', String(port), '-k', rootDir];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  return new Promise((resolve) => {
    const child = spawnAs(join(binDir, 'postgres'), args, runAs);
    let log = '';
    let settled = false;
    const finish = (result: Launch) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = () => {
      child.kill('SIGKILL');
      finish({ ok: false, portTaken: false, reason: 'interrupted' });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (!settled) log += text;
      for (const line of text.split('\n')) if (line) onEvent({ type: 'server-log', line });
      if (text.includes('ready to accept connections')) finish({ ok: true, child });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', (error) => finish({ ok: false, portTaken: false, reason: messageOf(error) }));
    child.on('exit', (code) =>
      finish({ ok: false, portTaken: /could not bind|already in use/i.test(log), reason: `exited with code ${code}: ${errorLines(log)}` }),
    );
  });
}

/** Fast shutdown (SIGINT), then SIGKILL if the server has not exited within 10 s. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/** The lines of a tool's output that say what went wrong (else its last lines). */
function errorLines(text: string): string {
  const errors = text.split('\n').filter((line) => /error|fatal|panic/i.test(line));
  return errors.length > 0 ? errors.join(' | ') : lastLines(text);
}

function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}
