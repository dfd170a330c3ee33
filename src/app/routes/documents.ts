import type { FastifyInstance } from 'fastify';
import { notFound } from '../api-error.ts';
import type { AppContext } from '../app-context.ts';
import { currentTenant } from '../tenant-transaction.ts';
import { idParams, pageProperties, shortText, strictObject, type IdParams, type Page } from './schemas.ts';

/**
 * `/documents`: list (optionally per project), get, create, update, delete. A document's
 * project must be one of the tenant's own: the composite foreign key refuses any other,
 * with the same answer whether or not the id exists elsewhere.
 */

const columns = `id, project_id as "projectId", title, body, author_id as "authorId", created_at as "createdAt", updated_at as "updatedAt"`;
const body = { type: 'string', maxLength: 20_000 } as const;

interface DocumentBody {
  projectId?: string;
  title?: string;
  body?: string;
}

/** Registers the document routes. */
export function registerDocumentRoutes(app: FastifyInstance, context: AppContext): void {
  app.get<{ Querystring: Page & { projectId?: string } }>(
    '/documents',
    { schema: { querystring: strictObject({ ...pageProperties, projectId: { type: 'string', format: 'uuid' } }) } },
    async (request) => {
      const { limit, offset, projectId } = request.query;
      const items = await context.queryInTenant(
        request,
        `select ${columns} from public.documents
            where tenant_id = ${currentTenant} and ($1::uuid is null or project_id = $1)
            order by created_at, id limit $2 offset $3`,
        [projectId ?? null, limit, offset],
      );
      return { items };
    },
  );

  app.get<{ Params: IdParams }>('/documents/:id', { schema: { params: idParams } }, async (request) => {
    const rows = await context.queryInTenant(request, `select ${columns} from public.documents where tenant_id = ${currentTenant} and id = $1`, [request.params.id]);
    if (rows.length === 0) throw notFound();
    return rows[0];
  });

  app.post<{ Body: DocumentBody }>(
    '/documents',
    { schema: { body: strictObject({ projectId: { type: 'string', format: 'uuid' }, title: shortText, body }, ['projectId', 'title']) } },
    async (request, reply) => {
      const { projectId, title, body: text } = request.body;
      const rows = await context.queryInTenant(
        request,
        `insert into public.documents (tenant_id, project_id, title, body)
           values (${currentTenant}, $1, $2, coalesce($3, '')) returning ${columns}`,
        [projectId, title, text ?? null],
      );
      return reply.code(201).send(rows[0]);
    },
  );

  app.patch<{ Params: IdParams; Body: DocumentBody }>(
    '/documents/:id',
    { schema: { params: idParams, body: strictObject({ title: shortText, body }, [], { minProperties: 1 }) } },
    async (request) => {
      const { title, body: text } = request.body;
      const rows = await context.queryInTenant(
        request,
        `update public.documents set title = coalesce($2, title), body = coalesce($3, body)
            where tenant_id = ${currentTenant} and id = $1 returning ${columns}`,
        [request.params.id, title ?? null, text ?? null],
      );
      if (rows.length === 0) throw notFound();
      return rows[0];
    },
  );

  app.delete<{ Params: IdParams }>('/documents/:id', { schema: { params: idParams } }, async (request, reply) => {
    const rows = await context.queryInTenant(request, `delete from public.documents where tenant_id = ${currentTenant} and id = $1 returning id`, [request.params.id]);
    if (rows.length === 0) throw notFound();
    return reply.code(204).send();
  });
}
