import { pgErrorFields } from '../db/connect.ts';

/**
 * The app's error contract: every failure is `{ error: { code, message } }` with a stable
 * code and a fixed message. Nothing from the database (SQL, values, constraint details) and
 * no stack ever reaches the client: those can name other tenants' data or the schema.
 */

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; requestId?: string };
}

/** A failure the client caused or may act on; thrown by handlers, answered by the error handler. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 404 for a row that does not exist for this tenant (never says whether it exists for another). */
export function notFound(): ApiError {
  return new ApiError(404, 'not-found', 'not found');
}

/** 401 with a fixed message per reason; the reason never quotes the token. */
export function unauthorized(code: 'missing-token' | 'invalid-token' | 'expired-token' | 'unknown-tenant'): ApiError {
  const messages = {
    'missing-token': 'a bearer token is required',
    'invalid-token': 'the bearer token is invalid',
    'expired-token': 'the bearer token has expired',
    'unknown-tenant': 'the token names no known tenant',
  } as const;
  return new ApiError(401, code, messages[code], { 'www-authenticate': 'Bearer' });
}

/** 400 for a text value with a character Postgres cannot store (a NUL): the client's input, not a fault. */
export function unstorableValue(): ApiError {
  return new ApiError(400, 'invalid-value', 'a value contains a character that cannot be stored');
}

/**
 * Server errors the client can act on, by SQLSTATE. Messages are fixed: the server's own
 * message and detail quote values (a unique key, a referenced id) that may belong to others.
 */
const pgClientErrors: Record<string, ApiError> = {
  '23505': new ApiError(409, 'conflict', 'a row with the same key already exists'),
  '23503': new ApiError(422, 'invalid-reference', 'a referenced row does not exist'),
  '23514': new ApiError(422, 'invalid-value', 'a value is out of range'),
  '23502': new ApiError(422, 'invalid-value', 'a required value is missing'),
  '22P02': new ApiError(400, 'invalid-value', 'a value has the wrong format'),
  // A NUL in a bound text parameter (22021) or in JSON handed to jsonb (22P05).
  '22021': unstorableValue(),
  '22P05': unstorableValue(),
  '22003': new ApiError(422, 'invalid-value', 'a number is out of range'),
  '22001': new ApiError(422, 'invalid-value', 'a value is too long'),
  // The statement budget of the tenant's plan ran out (fairness): retryable, not a bug.
  '57014': new ApiError(503, 'statement-timeout', 'the request took too long', { 'retry-after': '1' }),
};

/** Fastify's client errors by code, with our stable codes and messages. */
const fastifyClientErrors: Record<string, ApiError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: new ApiError(413, 'payload-too-large', 'the request body is too large'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: new ApiError(415, 'unsupported-media-type', 'the request body must be application/json'),
  FST_ERR_CTP_EMPTY_JSON_BODY: new ApiError(400, 'invalid-json', 'the request body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: new ApiError(400, 'invalid-json', 'the request body is not valid JSON'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: new ApiError(400, 'invalid-request', 'the content length is wrong'),
};

/**
 * The response for any thrown value: an ApiError as it is, validation and parsing errors as
 * 4xx, known SQLSTATEs as 4xx/503; null means unexpected (answer 500 and log it).
 */
export function clientErrorOf(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (!error || typeof error !== 'object') return null;
  const e = error as { validation?: unknown; validationContext?: string; code?: string; statusCode?: number; message?: string };
  if (Array.isArray(e.validation)) {
    // Ajv's text names the field and the rule ("body/name must NOT have fewer than 1
    // characters"): our own schema, no data of anyone's. Cut to keep bodies small.
    return new ApiError(400, 'invalid-request', String(e.message ?? 'invalid request').slice(0, 200));
  }
  if (typeof e.code === 'string' && fastifyClientErrors[e.code]) return fastifyClientErrors[e.code]!;
  if (error instanceof SyntaxError && e.statusCode === 400) return fastifyClientErrors['FST_ERR_CTP_INVALID_JSON_BODY']!;
  const fields = pgErrorFields(error);
  if (fields?.code && pgClientErrors[fields.code]) return pgClientErrors[fields.code]!;
  // Other fastify 4xx (bad URL encoding, ...): a generic message, never theirs.
  if (!fields && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiError(e.statusCode, 'invalid-request', 'the request is malformed');
  }
  return null;
}

/** The body of an error response. */
export function errorBody(error: ApiError): ErrorBody {
  return { error: { code: error.code, message: error.message } };
}

/** The body of a 500: a fixed message and the id that finds the log line. */
export function internalErrorBody(requestId: string): ErrorBody {
  return { error: { code: 'internal', message: 'internal error', requestId } };
}
