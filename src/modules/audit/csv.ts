// Audit records as CSV, written batch by batch so an export of any size streams in flat memory.
import { stringify } from 'csv-stringify/sync';
import { neutralizeCell } from '../../core/spreadsheet.ts';
import type { AuditRecordView } from './schemas.ts';

export const CSV_COLUMNS = [
  'id',
  'occurred_at',
  'type',
  'actor_id',
  'api_key_id',
  'org_id',
  'target_type',
  'target_id',
  'ip',
  'user_agent',
  'request_id',
  'payload',
] as const;

const OPTIONS = { record_delimiter: 'windows' } as const;

export { neutralizeCell };

const cell = (value: string | null) => neutralizeCell(value ?? '');

/** The header row, after a BOM so spreadsheet programs read UTF-8 correctly. */
export const csvHeader = () => `\uFEFF${stringify([[...CSV_COLUMNS]], OPTIONS)}`;

export function csvRows(records: readonly AuditRecordView[]): string {
  return stringify(
    records.map((r) => [
      r.id,
      r.occurredAt,
      cell(r.type),
      cell(r.actorId),
      cell(r.apiKeyId),
      cell(r.orgId),
      cell(r.targetType),
      cell(r.targetId),
      cell(r.ip),
      cell(r.userAgent),
      cell(r.requestId),
      cell(JSON.stringify(r.payload)),
    ]),
    OPTIONS,
  );
}
