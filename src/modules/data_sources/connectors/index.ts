// The drivers behind data sources (layers 2–5 of the query guard, introspection, file
// ingestion). The module's service reaches them through this file only.
import { createFilesDriver, type FilesDriverOptions } from './files/driver.ts';
import { createMysqlDriver, type MysqlDriverOptions } from './mysql/driver.ts';
import { createPostgresDriver, type PostgresDriverOptions } from './postgres/driver.ts';
import type { ConnectorDriver, FilesConnection, ServerConnection } from './types.ts';

export { type ConnectorErrorKind, ConnectorError, isConnectorError } from './errors.ts';
export { createFilesDriver, type FilesDriverOptions } from './files/driver.ts';
export { DEFAULT_INGEST_LIMITS, type IngestedTable, type IngestFile, type IngestLimits, type IngestResult, ingestFiles } from './files/ingest.ts';
export { type FileFormat, formatOf } from './files/names.ts';
export type { ZipLimits } from './files/zip-check.ts';
export { createMysqlDriver, type MysqlDriverOptions } from './mysql/driver.ts';
export { createPostgresDriver, type PostgresDriverOptions } from './postgres/driver.ts';
export type * from './types.ts';

export interface ConnectorDrivers {
  postgres: ConnectorDriver<ServerConnection>;
  /** MySQL and MariaDB. */
  mysql: ConnectorDriver<ServerConnection>;
  files: ConnectorDriver<FilesConnection>;
  /** Ends every pool of every driver. */
  close(): Promise<void>;
}

/** One driver per kind, each with its own pools. */
export function createConnectorDrivers(options: { postgres?: PostgresDriverOptions; mysql?: MysqlDriverOptions; files?: FilesDriverOptions } = {}): ConnectorDrivers {
  const postgres = createPostgresDriver(options.postgres);
  const mysql = createMysqlDriver(options.mysql);
  const files = createFilesDriver(options.files);
  return {
    postgres,
    mysql,
    files,
    async close() {
      await Promise.all([postgres.close(), mysql.close(), files.close()]);
    },
  };
}
