import { loadModule, parseSync } from 'libpg-query';
import type { Expression, ExpressionAst } from './snapshot.ts';

/**
 * Parsing SQL expressions with the real PostgreSQL parser (libpg-query, compiled to WASM).
 * This room is the only importer of the parser (DESIGN §2): everything else reads the JSON
 * AST through the pure helpers in `ast.ts`.
 *
 * The parser only accepts statements, so an expression is parsed as `SELECT <expr>` and the
 * first target's value is returned. Expressions come from `pg_get_expr`, i.e. the server's
 * own deparsing, so a parse failure means a parser/server version skew, not bad input:
 * callers get `null` and keep the text.
 */

/** Parses one SQL expression synchronously; `null` when it does not parse. */
export type ExpressionParser = (text: string) => ExpressionAst | null;

/**
 * Loads the WASM parser (once per process: the library memoises its own module) and returns
 * a synchronous parser. Async because WASM instantiation is; callers load once and then
 * parse many expressions without awaiting each.
 */
export async function loadExpressionParser(): Promise<ExpressionParser> {
  await loadModule();
  return parseExpressionLoaded;
}

/** Parses one SQL expression; `null` when it does not parse. */
export async function parseExpression(text: string): Promise<ExpressionAst | null> {
  const parse = await loadExpressionParser();
  return parse(text);
}

/** Builds an {@link Expression} (text and AST) from server text, or null for null text. */
export function toExpression(parse: ExpressionParser, text: string | null): Expression | null {
  if (text === null) return null;
  return { text, ast: parse(text) };
}

function parseExpressionLoaded(text: string): ExpressionAst | null {
  // A trailing `;` or comment would let a second statement or garbage hide after the
  // expression; requiring exactly one statement with one target keeps the contract honest.
  let result: unknown;
  try {
    result = parseSync(`SELECT ${text}`);
  } catch {
    return null;
  }
  const stmts = (result as { stmts?: unknown[] }).stmts;
  if (!Array.isArray(stmts) || stmts.length !== 1) return null;
  const select = (stmts[0] as { stmt?: { SelectStmt?: Record<string, unknown> } }).stmt?.SelectStmt;
  if (!select) return null;
  const simple = Object.keys(select).every((key) => key === 'targetList' || key === 'limitOption' || key === 'op');
  const targets = select.targetList;
  if (!simple || !Array.isArray(targets) || targets.length !== 1) return null;
  const target = (targets[0] as { ResTarget?: { val?: unknown; name?: string } }).ResTarget;
  if (!target || target.name !== undefined || target.val === undefined) return null;
  return target.val;
}
