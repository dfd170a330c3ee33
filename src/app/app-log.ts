import { redactCredentials } from '../db/connect.ts';

/**
 * The app's structured log: one entry per request, one per unexpected error. The caller
 * decides where it goes (a function); the app never writes to stdout itself, so tests stay
 * quiet and `serve` can send it to stderr as JSON lines.
 */
export interface AppLogEntry {
  time: string;
  level: 'info' | 'error';
  msg: 'request' | 'unexpected error' | 'started' | 'closed';
  requestId?: string;
  /** The tenant the request acted for (after any override), when it got that far. */
  tenant?: string;
  method?: string;
  /** The route pattern (`/projects/:id`), never the raw URL with its ids. */
  route?: string;
  status?: number;
  ms?: number;
  /** For errors: the SQLSTATE or error code, and the message (credentials redacted). */
  error?: { code?: string; message: string };
  url?: string;
  flaw?: string;
}

/** Receives log entries. */
export type AppLogSink = (entry: AppLogEntry) => void;

/** Drops everything: the default, so tests print nothing. */
export const silentLog: AppLogSink = () => {};

/** A sink that writes each entry as one JSON line (e.g. to stderr). */
export function jsonLineLog(write: (line: string) => void): AppLogSink {
  return (entry) => write(`${JSON.stringify(entry)}\n`);
}

/** The log fields of an unexpected error: its code and message, never a stack or a secret. */
export function describeError(error: unknown): { code?: string; message: string } {
  const code = error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;
  const message = redactCredentials(error instanceof Error ? error.message : String(error)).slice(0, 500);
  return code ? { code, message } : { message };
}
