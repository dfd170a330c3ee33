/**
 * Harness errors: problems with the harness's own inputs or infrastructure, as opposed to
 * findings about the system under test (DESIGN §6). Each carries a stable code, a message
 * that says what to do next, and the exit code the CLI maps it to.
 */

/** Codes of harness errors; each maps to one exit code. */
export type HarnessErrorCode =
  | 'usage'
  | 'scenario-not-found'
  | 'scenario-invalid'
  | 'schema-failed'
  | 'unsafe-target'
  | 'backend-unavailable'
  | 'backend-failed'
  | 'database-unreachable'
  | 'introspect-failed'
  | 'seed-failed'
  | 'interrupted'
  | 'internal';

/** Exit codes of DESIGN §6. */
export const ExitCode = {
  pass: 0,
  findings: 1,
  inconclusive: 2,
  usage: 3,
  infrastructure: 4,
} as const;

/** Numeric exit code values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const exitCodes: Record<HarnessErrorCode, ExitCodeValue> = {
  usage: ExitCode.usage,
  'scenario-not-found': ExitCode.usage,
  'scenario-invalid': ExitCode.usage,
  'schema-failed': ExitCode.usage,
  'unsafe-target': ExitCode.usage,
  'backend-unavailable': ExitCode.infrastructure,
  'backend-failed': ExitCode.infrastructure,
  'database-unreachable': ExitCode.infrastructure,
  'introspect-failed': ExitCode.infrastructure,
  'seed-failed': ExitCode.infrastructure,
  interrupted: ExitCode.inconclusive,
  internal: ExitCode.infrastructure,
};

/** Options of a {@link HarnessError}. */
export interface HarnessErrorOptions {
  /** What the user should do next, printed under the message. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
  /** Individual problems (e.g. every invalid scenario field), printed one per line. */
  problems?: readonly string[];
}

/** A problem with the harness's inputs or infrastructure; caught once, in `cli/`. */
export class HarnessError extends Error {
  readonly code: HarnessErrorCode;
  readonly hint: string | undefined;
  readonly problems: readonly string[];

  constructor(code: HarnessErrorCode, message: string, options: HarnessErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HarnessError';
    this.code = code;
    this.hint = options.hint;
    this.problems = options.problems ?? [];
  }

  /** The exit code the CLI uses for this error. */
  get exitCode(): ExitCodeValue {
    return exitCodes[this.code];
  }
}

/** True when `value` is a {@link HarnessError}. */
export function isHarnessError(value: unknown): value is HarnessError {
  return value instanceof HarnessError;
}

/** The message of any thrown value, without a stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Throws a `interrupted` HarnessError when the signal has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new HarnessError('interrupted', 'the run was interrupted', { cause: signal.reason });
  }
}
