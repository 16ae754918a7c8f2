// A full result as a file: CSV or XLSX, written batch by batch as the source streams it, so a
// million rows pass through in flat memory; capped in rows and size (ANALYTICS_DOWNLOAD_MAX_*).
// Text cells that a spreadsheet would run as a formula are written as text.
import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Actor } from '../../core/context/actor.ts';
import { AppError } from '../../core/errors.ts';
import { neutralizeCell } from '../../core/spreadsheet.ts';
import type { DataSourcesApi, QueryParameter } from '../data_sources/index.ts';
import type { Runner } from './runner.ts';
import type { AnalyticsSettings } from './settings.ts';

/** Excel's limit, less the header row. */
const XLSX_MAX_ROWS = 1_048_575;

export interface DownloadInput {
  sourceId: string;
  sql: string;
  parameters?: readonly QueryParameter[];
  questionId?: string | null;
  format: 'csv' | 'xlsx';
  /** Shown in the file name. */
  title: string;
}

export interface DownloadFile {
  fileName: string;
  contentType: string;
  body: Readable;
}

const cell = (v: unknown): string | number | boolean | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return neutralizeCell(typeof v === 'string' ? v : JSON.stringify(v));
};

export const safeFileStem = (title: string) => title.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'result';

export function createDownloads(deps: { dataSources: DataSourcesApi; runner: Runner; settings: AnalyticsSettings }) {
  const { dataSources, runner, settings } = deps;

  /** Opens the stream (so a refusal or an unreachable source answers a problem, not a broken file), then writes it as it reads. */
  async function download(actor: Actor, orgId: string, input: DownloadInput): Promise<DownloadFile> {
    await runner.sourceOf(orgId, input.sourceId);
    const started = performance.now();
    const maxRows = input.format === 'xlsx' ? Math.min(settings.downloadMaxRows, XLSX_MAX_ROWS) : settings.downloadMaxRows;
    const limits = { maxRows, maxBytes: settings.downloadMaxBytes, timeoutMs: settings.queryTimeoutMs };
    const record = (status: 'ok' | 'refused' | 'failed', errorCode: string | null, rows: number) =>
      runner.record(actor, orgId, { sourceId: input.sourceId, sql: input.sql, parameters: input.parameters, questionId: input.questionId, origin: 'download' }, { status, errorCode, rows, durationMs: performance.now() - started, cached: false });
    let stream: Awaited<ReturnType<DataSourcesApi['stream']>>;
    try {
      stream = await dataSources.stream(orgId, input.sourceId, { sql: input.sql, parameters: input.parameters, limits, signal: AbortSignal.timeout(limits.timeoutMs + 5000) });
    } catch (err) {
      if (err instanceof AppError) await record(err.code === 'DATA_SOURCES.QUERY_REFUSED' ? 'refused' : 'failed', err.code, 0);
      throw err;
    }
    const header = stream.columns.map((c) => neutralizeCell(c.name));
    let rows = 0;
    async function* counted() {
      try {
        for await (const batch of stream.batches) {
          rows += batch.length;
          yield batch;
        }
        await record('ok', null, rows);
      } catch (err) {
        await record('failed', err instanceof AppError ? err.code : 'INTERNAL', rows).catch(() => {});
        throw err;
      }
    }
    const stem = `${safeFileStem(input.title)}`;
    if (input.format === 'csv') {
      async function* csv() {
        yield `\uFEFF${stringify([header], { record_delimiter: 'windows' })}`;
        for await (const batch of counted()) yield stringify(batch.map((r) => r.map(cell)), { record_delimiter: 'windows', cast: { boolean: (b) => String(b) } });
      }
      return { fileName: `${stem}.csv`, contentType: 'text/csv; charset=utf-8', body: Readable.from(csv()) };
    }
    const out = new PassThrough();
    // exceljs loads with the first workbook, not with the server (decision 0065).
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
    const sheet = workbook.addWorksheet('Result');
    sheet.addRow(header).commit();
    (async () => {
      for await (const batch of counted()) for (const r of batch) sheet.addRow(r.map(cell)).commit();
      sheet.commit();
      await workbook.commit();
    })().catch((err) => out.destroy(err));
    return { fileName: `${stem}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', body: out };
  }

  return { download };
}

export type Downloads = ReturnType<typeof createDownloads>;
