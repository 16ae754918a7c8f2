// The data_sources module's problems (decision 0028): thrown with `.error()`, listed on routes.
// A source that fails names itself (`sourceId`, `sourceName`), so a dashboard of several sources
// says which one is down.
import { Type } from 'typebox';
import { defineProblem } from '../../core/errors.ts';

const NamesSource = { extensions: { sourceId: Type.String({ format: 'uuid' }), sourceName: Type.String() } };

export const DataSourcesProblems = {
  notFound: defineProblem('not_found', 'DATA_SOURCES.NOT_FOUND', 'No such data source in this organization.'),
  nameTaken: defineProblem('conflict', 'DATA_SOURCES.NAME_TAKEN', 'Another data source of this organization has this name.'),
  tooMany: defineProblem('conflict', 'DATA_SOURCES.TOO_MANY', 'The organization has as many data sources as it may have (DATA_SOURCE_MAX_PER_ORG): delete one first.'),
  connectionInvalid: defineProblem(
    'validation',
    'DATA_SOURCES.CONNECTION_INVALID',
    'The connection does not fit the kind: `postgres` and `mysql` need one (host, port, database, user), `files` and `workspace` take none. `errors` names the field.',
  ),
  hostNotAllowed: defineProblem(
    'validation',
    'DATA_SOURCES.HOST_NOT_ALLOWED',
    'The host may not be reached: it is reserved, does not resolve, or resolves to a private or loopback address that the operator has not allowed (DATA_SOURCE_ALLOWED_HOSTS). `errors` names `body.connection.host`.',
  ),
  kindUnavailable: defineProblem('validation', 'DATA_SOURCES.KIND_UNAVAILABLE', 'This server has no connector for the kind.'),
  notAFilesSource: defineProblem('conflict', 'DATA_SOURCES.NOT_A_FILES_SOURCE', 'Files are uploaded to a source of kind `files` only.'),
  fileNotFound: defineProblem('not_found', 'DATA_SOURCES.FILE_NOT_FOUND', 'No such file in this data source.'),
  fileRefused: defineProblem(
    'unprocessable',
    'DATA_SOURCES.FILE_REFUSED',
    'The file could not be read as its format (a broken CSV, text that is not UTF-8, a damaged or oversized spreadsheet, an archive that unpacks far beyond its size); nothing was stored. `detail` says what was wrong.',
  ),
  termNotFound: defineProblem('not_found', 'DATA_SOURCES.TERM_NOT_FOUND', 'No such glossary term in this data source.'),
  termTaken: defineProblem('conflict', 'DATA_SOURCES.TERM_TAKEN', 'The glossary of this data source has this term already.'),
  unknownTable: defineProblem('validation', 'DATA_SOURCES.UNKNOWN_TABLE', 'The synced schema of the source has no such table or column: sync it first, or check the names.'),
  notSynced: defineProblem('conflict', 'DATA_SOURCES.NOT_SYNCED', 'The source has not been synced yet: POST …/sync first.'),
  unreachable: defineProblem('unavailable', 'DATA_SOURCES.UNREACHABLE', 'The data source did not answer (down, refusing connections, TLS or sign-in failed); nothing was run. `detail` says why in plain words.', NamesSource),
  queryRefused: defineProblem(
    'unprocessable',
    'DATA_SOURCES.QUERY_REFUSED',
    'The guard refused the SQL: only one read-only SELECT (or WITH … SELECT) is allowed, without side-effecting, file or network functions, and, for `workspace` and `files` sources, only on the source\'s own tables. `reason` is the rule it broke; `detail` says where.',
    { extensions: { reason: Type.String({ description: 'parse_error, multiple_statements, not_a_select, select_into, locking_clause, data_modifying_cte, denied_function, denied_relation, relation_not_allowed, too_long, …' }) } },
  ),
  parameterInvalid: defineProblem('validation', 'DATA_SOURCES.PARAMETER_INVALID', 'A query parameter is unknown, missing or not of its declared type. `detail` names it.'),
  queryFailed: defineProblem('unprocessable', 'DATA_SOURCES.QUERY_FAILED', 'The data source refused the query (unknown column, type error, permission denied…); `detail` quotes its reason.', NamesSource),
  queryTimeout: defineProblem('unprocessable', 'DATA_SOURCES.QUERY_TIMEOUT', 'The query ran past its time limit and was cancelled on the source: narrow it, or ask an admin for a longer limit.', NamesSource),
};
