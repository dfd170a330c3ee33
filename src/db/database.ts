import type { OnEvent } from '../core/events.ts';

/** Names of the database backends. */
export type BackendName = 'embedded' | 'url' | 'container';

/** What a report may say about a target: never credentials. */
export interface TargetSummary {
  backend: BackendName;
  host: string;
  port: number;
  database: string;
  serverVersion: string;
  /** True when the harness may write (schema, seed, attacks) to this database. */
  writable: boolean;
}

/** Options every backend's `start` takes. */
export interface StartOptions {
  /** Aborting stops the server (or the start) and makes pending work fail fast. */
  signal?: AbortSignal;
  onEvent?: OnEvent;
}

/**
 * A running database the harness can use. Dispose it (`await using`, or `stop()` in a
 * finally) to stop what the backend started and remove its files; stopping twice is fine.
 */
export interface StartedDatabase extends AsyncDisposable {
  readonly backend: BackendName;
  /**
   * Connection string of a privileged role on the target database (superuser for the
   * embedded and container backends; the user's URL for `url`). Contains credentials: never
   * print or report it; use `summary` instead.
   */
  readonly adminUrl: string;
  readonly summary: TargetSummary;
  /** `server_version_num`, e.g. 180004. */
  readonly serverVersionNum: number;
  /** Milliseconds the backend took to become ready. */
  readonly startMs: number;
  /** For backends that run a local server process: its pid and temp dir (removed on stop). */
  readonly local?: { pid: number; dir: string };
  /** For a server process we run: settles with how it went away if it dies on its own (see `LocalServer.lost`). */
  readonly lost?: Promise<string>;
  stop(): Promise<void>;
}

/** A way to get a database. */
export interface DatabaseBackend {
  readonly name: BackendName;
  start(options?: StartOptions): Promise<StartedDatabase>;
}
