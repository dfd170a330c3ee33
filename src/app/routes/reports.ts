import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { currentTenant } from '../tenant-transaction.ts';
import { strictObject } from './schemas.ts';

/**
 * The read-heavy routes: a text search over documents and a tenant-wide report. The report
 * aggregates everything the tenant has (per-project document counts through the
 * security-invoker view, invoice totals, line-item sums, comment counts) in one statement: the
 * expensive request the load phase uses to play the noisy neighbour.
 */

/** Escapes LIKE wildcards so a search for `50%` means the text `50%`. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const reportSql = `
with projects as (
  select project_id as "projectId", name, status, document_count::int as "documentCount", last_activity_at as "lastActivityAt"
    from public.project_summaries where tenant_id = ${currentTenant}
   order by document_count desc, project_id
), invoices as (
  select status, currency, count(*)::int as count, sum(total_cents)::float8 as "totalCents"
    from public.invoices where tenant_id = ${currentTenant}
   group by status, currency order by status, currency
), line_items as (
  select count(li.id)::int as count,
         coalesce(sum(li.quantity * li.unit_price_cents), 0)::float8 as "amountCents",
         count(distinct li.invoice_id)::int as "invoicesWithItems"
    from public.invoices i join public.invoice_line_items li on li.invoice_id = i.id
   where i.tenant_id = ${currentTenant}
), comments as (
  select count(*)::int as count, count(distinct document_id)::int as "documentsWithComments"
    from public.comments where tenant_id = ${currentTenant}
)
select json_build_object(
  'projects', (select coalesce(json_agg(projects), '[]'::json) from projects),
  'invoices', (select coalesce(json_agg(invoices), '[]'::json) from invoices),
  'lineItems', (select row_to_json(line_items) from line_items),
  'comments', (select row_to_json(comments) from comments)
)::text as report`;

/** Registers `GET /search/documents` and `GET /reports/summary`. */
export function registerReportRoutes(app: FastifyInstance, context: AppContext): void {
  app.get<{ Querystring: { q: string; limit: number } }>(
    '/search/documents',
    {
      // A scan of the tenant's documents: heavy for the fairness gate.
      config: { cost: 'heavy' },
      schema: {
        querystring: strictObject({ q: { type: 'string', minLength: 1, maxLength: 200 }, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }, ['q']),
      },
    },
    async (request) => {
      const { q, limit } = request.query;
      const items = await context.queryInTenant(
        request,
        `select id, project_id as "projectId", title, left(body, 200) as excerpt
             from public.documents
            where tenant_id = ${currentTenant} and (title ilike $1 or body ilike $1)
            order by updated_at desc, id limit $2`,
        [likePattern(q), limit],
      );
      return { items };
    },
  );

  app.get('/reports/summary', { config: { cost: 'heavy' } }, async (request, reply) => {
    // Postgres built the JSON: it goes out as the text it is, not parsed and serialised again
    // on the event loop every other tenant's requests share (tens of KB per report).
    const rows = await context.queryInTenant<{ report: string }>(request, reportSql);
    return reply.type('application/json; charset=utf-8').send(rows[0]!.report);
  });
}
