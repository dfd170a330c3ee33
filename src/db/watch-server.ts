import { messageOf } from '../core/errors.ts';
import { redactCredentials, withClient } from './connect.ts';

/** Options of {@link watchServer}. */
export interface WatchServerOptions {
  /** Between pings (default 2 s). */
  intervalMs?: number;
  /** Failed pings in a row before the server counts as gone (default 2). */
  misses?: number;
  /** Stops the watch (it then never settles). */
  signal: AbortSignal;
}

/**
 * One ping now: null when the server answers (or is only busy), else how it went away. For a
 * phase that ended with inconclusive checks, to tell a dead server from a failing check.
 */
export async function pingServer(url: string, timeoutMs = 2_000): Promise<string | null> {
  try {
    await withClient(url, (client) => client.query('select 1'), { connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs, applicationName: 'tenantguard watch', readOnly: true });
    return null;
  } catch (error) {
    return isGone(error) ? `stopped answering (${redactCredentials(messageOf(error))})` : null;
  }
}

/**
 * Watches a server we did not start (the url and container backends: no process of ours to
 * see die): a `select 1` on a fresh connection every `intervalMs`, each bounded by the same
 * interval. Settles with how it went away after `misses` failures in a row, so a run stops at
 * once and says why instead of failing call by call. One short connection every two seconds,
 * read-only, is nothing next to what a run sends.
 */
export function watchServer(url: string, options: WatchServerOptions): Promise<string> {
  const intervalMs = options.intervalMs ?? 2_000;
  const misses = options.misses ?? 2;
  return new Promise<string>((resolve) => {
    let failed = 0;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => clearTimeout(timer);
    options.signal.addEventListener('abort', stop, { once: true });
    const ping = async () => {
      try {
        await withClient(url, (client) => client.query('select 1'), { connectTimeoutMs: intervalMs, statementTimeoutMs: intervalMs, applicationName: 'tenantguard watch', readOnly: true });
        failed = 0;
      } catch (error) {
        // A busy server (too many clients, a slow answer under load) is not a dead one.
        if (!isGone(error)) failed = 0;
        else failed += 1;
        if (failed >= misses && !options.signal.aborted) {
          options.signal.removeEventListener('abort', stop);
          return resolve(`stopped answering (${redactCredentials(messageOf(error))})`);
        }
      }
      if (!options.signal.aborted) timer = setTimeout(() => void ping(), intervalMs).unref();
    };
    timer = setTimeout(() => void ping(), intervalMs).unref();
  });
}

/** True for errors that mean the server is not there: refused, reset, timed out, shut down. */
function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // connect.ts wraps a failed connection: unreachable, unless the server only had no slot free.
  if (code === 'database-unreachable') return !/too many clients|remaining connection slots|53300/i.test(messageOf(error));
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOENT|ETIMEDOUT|57P0[1-3]|08\w{3})$/.test(code)) return true;
  return /connection terminated|timeout expired|terminating connection/i.test(messageOf(error));
}
