import { HarnessError } from '../../core/errors.ts';
import type { BackendName, DatabaseBackend, StartedDatabase } from '../database.ts';
import { containerBackend } from './container.ts';
import { embeddedBackend } from './embedded.ts';
import { urlBackend } from './url.ts';

/** What the user chose, from flags and the scenario. */
export interface BackendChoice {
  backend: BackendName;
  /** For `url`. */
  url?: string;
  disposable?: boolean;
  scratch?: boolean;
  /** For `url`: skip the production rule (`--not-production`). */
  notProduction?: boolean;
  /** For `container`. */
  image?: string;
  /** For `embedded`: other Postgres binaries (e.g. /usr/lib/postgresql/15/bin). */
  binDir?: string;
}

/** Builds the chosen backend, or says what is missing. */
export function createBackend(choice: BackendChoice): DatabaseBackend {
  switch (choice.backend) {
    case 'embedded':
      return embeddedBackend({ binDir: choice.binDir });
    case 'container':
      return containerBackend({ image: choice.image });
    case 'url':
      if (!choice.url) {
        throw new HarnessError('usage', 'the url backend needs a connection string', {
          hint: 'Pass --database-url postgres://user:pass@host:port/db or set DATABASE_URL.',
        });
      }
      return urlBackend({ url: choice.url, disposable: choice.disposable, scratch: choice.scratch, notProduction: choice.notProduction });
  }
}

/**
 * Refuses to write to a database the user did not give us as disposable (DESIGN, safety):
 * `what` says which step wanted to write.
 */
export function assertWritable(db: StartedDatabase, what: string): void {
  if (db.summary.writable) return;
  const { database, host, port } = db.summary;
  throw new HarnessError('unsafe-target', `refusing to ${what} in database "${database}" on ${host}:${port}: it was not declared disposable`, {
    hint: 'Pass --disposable if this database may be modified, or --scratch to work in a scratch database created and dropped on that server. `tenantguard audit` works read-only.',
  });
}
