import type { FastifyInstance } from 'fastify';
import { notFound } from '../api-error.ts';
import type { AppContext } from '../app-context.ts';
import { currentTenant } from '../tenant-transaction.ts';
import { idParams, pageProperties, shortText, strictObject, type IdParams, type Page } from './schemas.ts';

/**
 * `/projects`: list, get, create, update, delete. Every statement filters on the
 * transaction's tenant and RLS filters again; a row of another tenant is simply not found.
 */

const columns = `id, name, slug, status, created_by as "createdBy", created_at as "createdAt"`;
const status = { type: 'string', enum: ['active', 'archived'] } as const;
const slug = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9-]*$' } as const;

interface ProjectBody {
  name?: string;
  slug?: string;
  status?: string;
}

/** Registers the project routes. */
export function registerProjectRoutes(app: FastifyInstance, context: AppContext): void {
  app.get<{ Querystring: Page & { status?: string } }>(
    '/projects',
    { schema: { querystring: strictObject({ ...pageProperties, status }) } },
    async (request) => {
      const { limit, offset, status: wanted } = request.query;
      const items = await context.queryInTenant(
        request,
        `select ${columns} from public.projects
            where tenant_id = ${currentTenant} and ($1::text is null or status = $1)
            order by created_at, id limit $2 offset $3`,
        [wanted ?? null, limit, offset],
      );
      return { items };
    },
  );

  app.get<{ Params: IdParams }>('/projects/:id', { schema: { params: idParams } }, async (request) => {
    const rows = await context.queryInTenant(request, `select ${columns} from public.projects where tenant_id = ${currentTenant} and id = $1`, [request.params.id]);
    if (rows.length === 0) throw notFound();
    return rows[0];
  });

  app.post<{ Body: ProjectBody }>(
    '/projects',
    { schema: { body: strictObject({ name: shortText, slug, status }, ['name', 'slug']) } },
    async (request, reply) => {
      const { name, slug: wantedSlug, status: wanted } = request.body;
      const rows = await context.queryInTenant(
        request,
        `insert into public.projects (tenant_id, name, slug, status)
           values (${currentTenant}, $1, $2, coalesce($3, 'active')) returning ${columns}`,
        [name, wantedSlug, wanted ?? null],
      );
      return reply.code(201).send(rows[0]);
    },
  );

  app.patch<{ Params: IdParams; Body: ProjectBody }>(
    '/projects/:id',
    { schema: { params: idParams, body: strictObject({ name: shortText, slug, status }, [], { minProperties: 1 }) } },
    async (request) => {
      const { name, slug: wantedSlug, status: wanted } = request.body;
      const rows = await context.queryInTenant(
        request,
        `update public.projects set name = coalesce($2, name), slug = coalesce($3, slug), status = coalesce($4, status)
            where tenant_id = ${currentTenant} and id = $1 returning ${columns}`,
        [request.params.id, name ?? null, wantedSlug ?? null, wanted ?? null],
      );
      if (rows.length === 0) throw notFound();
      return rows[0];
    },
  );

  app.delete<{ Params: IdParams }>('/projects/:id', { schema: { params: idParams } }, async (request, reply) => {
    const rows = await context.queryInTenant(request, `delete from public.projects where tenant_id = ${currentTenant} and id = $1 returning id`, [request.params.id]);
    if (rows.length === 0) throw notFound();
    return reply.code(204).send();
  });
}
