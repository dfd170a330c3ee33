/**
 * JSON schemas the routes share. Fastify validates params, query strings and bodies against
 * them before a handler runs, so handlers only ever see well-formed input, and malformed
 * input gets a 400 that names the field, never a database error.
 */

/** `:id` must be a UUID: anything else is a 400, not a cast error from Postgres. */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
  additionalProperties: false,
} as const;

/** Parameters of an id route. */
export interface IdParams {
  id: string;
}

/** `?limit&offset`, bounded so one request cannot ask for everything at once. */
export const pageProperties = {
  limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
} as const;

/** A page of a list. */
export interface Page {
  limit: number;
  offset: number;
}

/** A short required text (names, titles, numbers). */
export const shortText = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** An object schema that refuses unknown fields. */
export function strictObject(properties: Record<string, unknown>, required: string[] = [], extra: Record<string, unknown> = {}) {
  return { type: 'object', properties, required, additionalProperties: false, ...extra } as const;
}
