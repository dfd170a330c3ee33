import { existsSync } from 'node:fs';
import { startLocalServer, type LocalServer } from '../../src/db/local-server.ts';

/** Debian's PostgreSQL 15 binaries: a second major version and an "existing server" to point the url backend at. */
export const pg15BinDir = '/usr/lib/postgresql/15/bin';

/** True when Debian's PostgreSQL 15 is installed here. */
export const hasPg15 = existsSync(`${pg15BinDir}/postgres`);

/** Starts a PostgreSQL 15 server on a free port, as an "existing" server would be. */
export function startPg15(): Promise<LocalServer> {
  return startLocalServer({ binDir: pg15BinDir });
}

/** The superuser connection string of a local server. */
export function superuserUrl(server: LocalServer, database = 'postgres'): string {
  return `postgres://${server.superuser}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}`;
}
