import { execFileSync } from 'node:child_process';
import { HarnessError, messageOf } from '../core/errors.ts';
import type { OnEvent } from '../core/events.ts';

/** uid/gid to run Postgres as; empty when this process is not root (run as ourselves). */
export interface RunAs {
  uid?: number;
  gid?: number;
  user?: string;
}

function idOf(user: string, flag: '-u' | '-g'): number | undefined {
  try {
    return Number(execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}

/**
 * Postgres refuses to run as root. When we are root, run it as `user` (default `postgres`,
 * or TENANTGUARD_PG_USER), creating a system user of that name when none exists.
 */
export function resolveRunAs(onEvent: OnEvent, user = process.env['TENANTGUARD_PG_USER'] ?? 'postgres'): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  let uid = idOf(user, '-u');
  if (uid === undefined) {
    onEvent({ type: 'info', message: `running as root: creating system user "${user}" to run Postgres` });
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      throw new HarnessError('backend-failed', `Postgres cannot run as root and the OS user "${user}" could not be created: ${messageOf(error)}`, {
        hint: 'Create an unprivileged user yourself and name it in TENANTGUARD_PG_USER, or run tenantguard as a non-root user.',
      });
    }
    uid = idOf(user, '-u');
  }
  const gid = idOf(user, '-g');
  if (uid === undefined || gid === undefined) {
    throw new HarnessError('backend-failed', `could not resolve uid/gid of OS user "${user}"`);
  }
  return { uid, gid, user };
}
