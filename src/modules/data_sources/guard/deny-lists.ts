// What a read-only query may never call or read, per dialect, with the reason a user sees.
// Names are matched in the form the dialect resolves them to (guard-postgres.ts and
// guard-mysql.ts normalise); a pattern is an exact name, `prefix*` or `*suffix`.
//
// Decisions worth keeping:
// - pg_settings, pg_file_settings and current_setting are refused: they expose server paths and
//   configuration, and the workspace source keeps its tenant in a setting.
// - pg_stat_activity and pg_stat_statements are refused: they show other sessions' SQL text.
// - txid_current / pg_current_xact_id are refused: they assign a transaction id (a write to
//   cluster state) and tell an analyst nothing; the `_if_assigned` variants stay allowed.
// - The catalog views without secrets (pg_class, pg_roles, information_schema) stay allowed:
//   the schema browser shows the same. Not on the workspace, whose tables every org shares: its
//   allow list keeps the catalogs out, and the statistics and size functions are refused there.
// - MySQL: the mysql, performance_schema and sys schemas are refused whole; information_schema
//   only where it lists accounts, privileges, settings or other sessions.
// - DuckDB: every function that reaches a file, another database or the network, and the
//   catalog functions (duckdb_secrets, duckdb_settings, …); its own tables come from the allow list.
//   DuckDB runs inside the server's process, so the JSON functions that recurse without a depth
//   limit are refused too: a crash there is the whole server's (the red-team suite found them).

const STALL = 'it can stall the database';
const LOCKS = 'it takes locks that outlive the query';
const SERVER_FILES = 'it reads or writes files on the database server';
const LARGE_OBJECTS = 'it reads or writes large objects';
const NETWORK = 'it connects to other servers';
const SERVER_STATE = 'it changes data or server state';
const SEQUENCES = 'it changes a sequence';
const SETTINGS = 'it exposes server settings';
const RUNS_SQL = 'it runs SQL or reads a table named in a string, which the guard cannot check';
const SESSIONS = "it exposes other sessions' queries";
const CREDENTIALS = 'it holds credentials';
const OS_COMMANDS = 'it runs operating-system commands';
const FILES = 'a query reads only the tables of its own source, never files, URLs or other databases';
const CRASHES = 'it can crash the server on deeply nested JSON';

export interface DenyList {
  /** The reason a name is refused, or undefined when it is not on the list. */
  reasonFor(name: string): string | undefined;
  /** The patterns, for tests that try each one. */
  readonly patterns: readonly string[];
}

function denyList(rules: Record<string, readonly string[]>): DenyList {
  const exact = new Map<string, string>();
  const prefixes: [string, string][] = [];
  const suffixes: [string, string][] = [];
  for (const [reason, patterns] of Object.entries(rules)) {
    for (const p of patterns) {
      if (p.endsWith('*')) prefixes.push([p.slice(0, -1), reason]);
      else if (p.startsWith('*')) suffixes.push([p.slice(1), reason]);
      else exact.set(p, reason);
    }
  }
  return {
    patterns: Object.values(rules).flat(),
    reasonFor(name) {
      const hit = exact.get(name);
      if (hit) return hit;
      for (const [p, reason] of prefixes) if (name.startsWith(p)) return reason;
      for (const [s, reason] of suffixes) if (name.endsWith(s)) return reason;
      return undefined;
    },
  };
}

export const postgresFunctions = denyList({
  [STALL]: ['pg_sleep*'],
  [LOCKS]: ['pg_advisory_*', 'pg_try_advisory_*'],
  [SERVER_FILES]: ['pg_read_file', 'pg_read_binary_file', 'pg_ls_*', 'pg_stat_file', 'pg_file_*', 'pg_logdir_ls', 'pg_current_logfile', 'copy'],
  [LARGE_OBJECTS]: ['lo_*', 'loread', 'lowrite'],
  [NETWORK]: ['dblink*'],
  [SEQUENCES]: ['nextval', 'setval'],
  [SETTINGS]: ['current_setting', 'pg_show_all_settings', 'pg_show_all_file_settings', 'pg_hba_file_rules', 'pg_ident_file_mappings', 'pg_config'],
  [RUNS_SQL]: ['query_to_xml*', 'table_to_xml*', 'cursor_to_xml*', 'schema_to_xml*', 'database_to_xml*', 'ts_stat', 'ts_rewrite'],
  [SESSIONS]: ['pg_stat_get_activity', 'pg_stat_get_backend_*', 'pg_stat_statements*'],
  [CREDENTIALS]: ['pg_stat_get_wal_receiver'],
  [SERVER_STATE]: [
    'set_config',
    'pg_terminate_backend',
    'pg_cancel_backend',
    'pg_reload_conf',
    'pg_rotate_logfile*',
    'pg_switch_wal',
    'pg_switch_xlog',
    'pg_promote',
    'pg_create_*',
    'pg_drop_*',
    'pg_copy_*',
    'pg_backup_*',
    'pg_start_backup',
    'pg_stop_backup',
    'pg_wal_replay_*',
    'pg_xlog_replay_*',
    'pg_logical_*',
    'pg_replication_*',
    'pg_sync_replication_slots',
    'pg_stat_reset*',
    'pg_notify',
    'pg_export_snapshot',
    'pg_import_system_collations',
    'pg_log_backend_memory_contexts',
    'pg_restore_*',
    'pg_clear_*',
    'pg_truncate_visibility_map',
    'pg_prewarm',
    'binary_upgrade_*',
    'brin_summarize_new_values',
    'brin_summarize_range',
    'brin_desummarize_range',
    'gin_clean_pending_list',
    'txid_current',
    'pg_current_xact_id',
  ],
});

/**
 * The workspace source reads views over tables every org shares: their statistics and sizes count
 * every org's rows (pg_stat_get_live_tuples('time_tracking.entries'::regclass) answered all orgs'
 * entries). The catalog views are off its allow list already; these are the functions.
 */
export const workspaceFunctions = denyList({
  "it counts every organization's rows": [
    'pg_stat_*',
    'pg_relation_size',
    'pg_table_size',
    'pg_indexes_size',
    'pg_total_relation_size',
    'pg_database_size',
    'pg_tablespace_size',
    'pg_sequence_last_value',
  ],
});

export const postgresRelations = denyList({
  // information_schema's user_mapping_options (and the _pg_user_mappings view under it) show the
  // same user-mapping passwords as pg_user_mappings, to a superuser or the mapping's owner.
  [CREDENTIALS]: ['pg_authid', 'pg_shadow', 'pg_user_mapping', 'pg_user_mappings', 'user_mapping_options', '_pg_user_mappings', 'pg_subscription', 'pg_stat_wal_receiver'],
  [LARGE_OBJECTS]: ['pg_largeobject'],
  [SESSIONS]: ['pg_stat_activity', 'pg_stat_statements', 'pg_stat_statements_info'],
  [SETTINGS]: ['pg_settings', 'pg_file_settings', 'pg_hba_file_rules', 'pg_ident_file_mappings', 'pg_config', 'pg_db_role_setting'],
  'it holds sampled values of every table': ['pg_statistic', 'pg_statistic_ext_data'],
});

export const mysqlFunctions = denyList({
  [STALL]: ['sleep', 'benchmark', 'master_pos_wait', 'source_pos_wait', 'master_gtid_wait', 'wait_for_executed_gtid_set', 'wait_until_sql_thread_after_gtids'],
  [LOCKS]: ['get_lock', 'release_lock', 'release_all_locks', 'is_free_lock', 'is_used_lock'],
  [SERVER_FILES]: ['load_file'],
  [OS_COMMANDS]: ['sys_exec', 'sys_eval', 'sys_get', 'sys_set', 'sys_bineval'],
  [SEQUENCES]: ['nextval', 'setval'],
});

/** Whole schemas a MySQL or MariaDB query may not read. */
export const mysqlSchemas = denyList({
  'the mysql schema holds credentials and server configuration': ['mysql'],
  "it exposes other sessions' queries and server state": ['performance_schema', 'sys'],
});

/** Tables of information_schema a MySQL or MariaDB query may not read; the rest stays readable. */
export const mysqlInformationSchema = denyList({
  [SESSIONS]: ['processlist', 'innodb_trx', 'innodb_locks', 'innodb_lock_waits'],
  'it lists accounts and their privileges': [
    'user_privileges',
    'schema_privileges',
    'table_privileges',
    'column_privileges',
    'applicable_roles',
    'enabled_roles',
    'administrable_role_authorizations',
    'role_table_grants',
    'role_column_grants',
    'role_routine_grants',
    'user_attributes',
    'user_statistics',
    'client_statistics',
  ],
  [SETTINGS]: ['global_variables', 'session_variables', 'global_status', 'session_status', 'system_variables'],
});

export const duckdbFunctions = denyList({
  // pg_sleep is on the PostgreSQL list, which DuckDB's queries pass too.
  [STALL]: ['sleep_ms'],
  [FILES]: [
    'read_*',
    '*_scan',
    'parquet_*',
    'iceberg_*',
    'delta_*',
    'sqlite_*',
    'postgres_*',
    'mysql_*',
    'odbc_*',
    'ducklake_*',
    'glob',
    'sniff_csv',
    'st_read*',
    'scan_arrow_ipc',
    'http_*',
    'from_substrait*',
  ],
  'it exposes settings or secrets': ['getenv', 'current_setting', 'duckdb_*', 'pragma_*', 'which_secret', 'load_aws_credentials'],
  [RUNS_SQL]: ['query', 'query_table', 'json_execute_serialized_sql'],
  [SERVER_STATE]: ['checkpoint', 'force_checkpoint'],
  // These recurse into a JSON value (or a JSON structure) with no depth limit: a string nested a
  // million deep, which repeat() builds at run time, overflows the stack and ends the process.
  [CRASHES]: ['json_structure', 'json_group_structure', 'json_contains', 'json_transform*', 'from_json*'],
});

/** The only table functions a DuckDB query may use in FROM: they make rows, they read nothing. */
export const DUCKDB_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['range', 'generate_series', 'unnest']);

const URL_LITERAL = /^[a-z][a-z0-9+.-]*:\/\//i;
const PATH_LITERAL = /^(?:~|\.{1,2})?\/[\w.-]+(?:\/[\w.-]*)*$|^[a-z]:[\\/]/i;
const DATA_FILE_LITERAL = /^[\w./\\~:-]*\.(?:csv|tsv|txt|json|jsonl|ndjson|parquet|arrow|ipc|feather|avro|orc|xlsx?|db|duckdb|sqlite3?|gz|zst|bz2|xz|zip|tar)$/i;

/** A string literal DuckDB could read as a file or URL: refused as a function argument. */
export function looksLikeFileOrUrl(text: string): boolean {
  return URL_LITERAL.test(text) || PATH_LITERAL.test(text) || DATA_FILE_LITERAL.test(text);
}
