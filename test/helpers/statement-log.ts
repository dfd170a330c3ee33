import { loadModule, parseSync } from 'libpg-query';

/**
 * Reading a PostgreSQL server log written with `log_statement = 'all'`, `log_connections = on`
 * and {@link logLinePrefix}, and judging each logged statement with the real parser.
 */

/** Every log line starts with the session id, the user and the application. */
export const logLinePrefix = '<<%c|%u|%a>> ';

/** One log entry (a message and its continuation lines). */
export interface LogEntry {
  session: string;
  user: string;
  text: string;
}

/** Groups raw log lines into entries: a line without the prefix continues the one before. */
export function logEntries(lines: readonly string[]): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of lines) {
    const match = /^<<([^|]*)\|([^|]*)\|[^>]*>> (.*)$/.exec(line);
    if (match) entries.push({ session: match[1]!, user: match[2]!, text: match[3]! });
    else if (entries.length > 0) entries[entries.length - 1]!.text += `\n${line}`;
  }
  return entries;
}

/** The session ids the server gave to connections from these client ports (`connection received: … port=N`). */
export function sessionsFromPorts(entries: readonly LogEntry[], ports: readonly number[]): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of entries) {
    const match = /connection received: host=\S+ port=(\d+)/.exec(entry.text);
    if (match) found.set(Number(match[1]), entry.session);
  }
  return new Map(ports.filter((p) => found.has(p)).map((p) => [p, found.get(p)!]));
}

/** The SQL of a statement entry (simple protocol `statement:` or extended `execute <name>:`), else null. */
export function statementOf(entry: LogEntry): string | null {
  const match = /^LOG:\s+(?:statement|execute [^:]*): ([\s\S]*)$/.exec(entry.text);
  return match ? match[1]!.trim() : null;
}

// Functions a SELECT can call that write, change server state, or take a transaction id.
const writingFunctions = /^(nextval|setval|lo_\w+|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|pg_switch_wal|pg_create_\w+|pg_drop_\w+|pg_replication_\w+|dblink\w*|pg_file_\w+|pg_current_xact_id|txid_current|pg_notify|pg_stat_reset\w*|pg_promote|pg_import_system_collations)$/;

function readOnlyOption(options: unknown): boolean | null {
  for (const option of (options as { DefElem?: { defname: string; arg?: { A_Const?: { ival?: { ival?: number } } } } }[] | undefined) ?? []) {
    if (option.DefElem?.defname === 'transaction_read_only') return option.DefElem.arg?.A_Const?.ival?.ival === 1;
  }
  return null;
}

/** Why one parsed statement is not a read, or null when it is one. */
function notARead(stmt: Record<string, any>): string | null {
  const [kind, node] = Object.entries(stmt)[0]!;
  const json = JSON.stringify(node);
  switch (kind) {
    case 'SelectStmt': {
      const dml = /"(InsertStmt|UpdateStmt|DeleteStmt|MergeStmt)"/.exec(json);
      if (dml) return `a data-modifying ${dml[1]} inside a SELECT`;
      if (/"intoClause"/.test(json)) return 'SELECT INTO creates a table';
      if (/"lockingClause"/.test(json)) return 'SELECT … FOR UPDATE/SHARE locks rows';
      for (const [, name] of json.matchAll(/"funcname":\[(?:\{"String":\{"sval":"[^"]*"\}\},)*\{"String":\{"sval":"([^"]*)"\}\}\]/g)) {
        if (writingFunctions.test(name!)) return `calls ${name}()`;
      }
      if (/"set_config"/.test(json) && /read_only|session_authorization|"role"/.test(json)) return 'set_config of a protected setting';
      return null;
    }
    case 'VariableShowStmt':
      return null;
    case 'VariableSetStmt':
      if (node.name === 'TRANSACTION' || node.name === 'SESSION CHARACTERISTICS') return readOnlyOption(node.args) === false ? 'sets READ WRITE' : null;
      if (/read_only|session_authorization|^role$/.test(node.name ?? '')) return `sets ${node.name}`;
      return null;
    case 'TransactionStmt':
      if (!['TRANS_STMT_BEGIN', 'TRANS_STMT_START', 'TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK'].includes(node.kind)) return `transaction control ${node.kind}`;
      return readOnlyOption(node.options) === false ? 'begins a READ WRITE transaction' : null;
    default:
      return `${kind} is not a read`;
  }
}

/**
 * Parses `sql` (one or several statements) with libpg-query and returns every reason it is
 * not a pure read: empty when every statement is a SELECT without writes, a SHOW, a SET of a
 * session setting (never the read-only ones), or BEGIN/COMMIT/ROLLBACK not asking to write.
 */
export async function nonReads(sql: string): Promise<string[]> {
  await loadModule();
  let parsed: { stmts: { stmt: Record<string, unknown> }[] };
  try {
    parsed = parseSync(sql) as typeof parsed;
  } catch (error) {
    return [`does not parse: ${(error as Error).message}`];
  }
  return parsed.stmts.map((s) => notARead(s.stmt)).filter((reason): reason is string => reason !== null);
}
