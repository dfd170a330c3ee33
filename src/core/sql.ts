/**
 * The slice of a database client that phases outside `db/` may use: they receive a client
 * from `db/` and never import `pg` themselves (DESIGN §8.4). `pg.Client` and `pg.PoolClient`
 * satisfy it.
 */
export interface SqlClient {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}
