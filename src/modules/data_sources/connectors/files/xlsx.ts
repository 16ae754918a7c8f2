// XLSX worksheets to newline-delimited JSON files that DuckDB then reads with read_json: one file
// per worksheet with data, its first row as the header. exceljs's streaming reader keeps one row
// at a time (plus the shared strings, bounded by the zip check before). NDJSON rather than CSV:
// numbers, booleans and strings keep their kind, and a row longer than the header just adds keys.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import { ConnectorError } from '../errors.ts';

export interface SheetFile {
  sheet: string;
  path: string;
  rows: number;
}

export interface XlsxCaps {
  /** Rows this workbook may add, all sheets together. */
  maxRows: number;
  /** Bytes of NDJSON this workbook may write, all sheets together. */
  maxBytes: number;
  signal?: AbortSignal;
}

/** Writes each worksheet with data as `<dir>/<prefix>-<n>.ndjson`. */
export async function xlsxToNdjson(path: string, fileName: string, dir: string, prefix: string, caps: XlsxCaps): Promise<SheetFile[]> {
  // exceljs loads with the first workbook, not with the server (decision 0065).
  const { default: Excel } = await import('exceljs');
  const reader = new Excel.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' });
  const sheets: SheetFile[] = [];
  let rows = 0;
  let bytes = 0;
  try {
    for await (const worksheet of reader) {
      const ws = worksheet as unknown as AsyncIterable<ExcelJS.Row> & { name?: string; id?: number };
      const sheetName = ws.name ?? `Sheet${ws.id ?? sheets.length + 1}`;
      const out = join(dir, `${prefix}-${sheets.length + 1}.ndjson`);
      const file = createWriteStream(out);
      let header: string[] | null = null;
      let sheetRows = 0;
      try {
        for await (const row of ws) {
          caps.signal?.throwIfAborted();
          const values = (row.values as unknown[]).slice(1).map(cellValue);
          if (!header) {
            header = headerOf(values);
            continue;
          }
          if (values.every((v) => v === null)) continue;
          if (++rows > caps.maxRows) throw new ConnectorError('too_large', `${fileName} has more than ${caps.maxRows} rows.`, 'TOO_MANY_ROWS');
          const line = `${JSON.stringify(recordOf(header, values))}\n`;
          bytes += line.length;
          if (bytes > caps.maxBytes) throw new ConnectorError('too_large', `${fileName} holds more data than an ingestion may take.`, 'TOO_MANY_BYTES');
          if (!file.write(line)) await once(file, 'drain');
          sheetRows++;
        }
      } finally {
        file.end();
        await once(file, 'close');
      }
      if (sheetRows > 0) sheets.push({ sheet: sheetName, path: out, rows: sheetRows });
    }
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    if (caps.signal?.aborted) throw new ConnectorError('canceled', `Reading ${fileName} was canceled.`, 'CANCELED');
    throw new ConnectorError('file', `${fileName} could not be read as an XLSX workbook.`, 'BAD_XLSX');
  }
  if (sheets.length === 0) throw new ConnectorError('file', `${fileName} has no worksheet with data (a header row and at least one row).`, 'EMPTY_FILE');
  return sheets;
}

/** A cell as JSON: formulas by their result, rich text and links by their text, errors as null, dates as 'YYYY-MM-DD HH:MM:SS[.mmm]'. */
export function cellValue(cell: unknown): string | number | boolean | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string' || typeof cell === 'boolean') return cell;
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null;
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? null : excelDate(cell);
  if (typeof cell === 'object') {
    const c = cell as { result?: unknown; formula?: unknown; sharedFormula?: unknown; richText?: { text: string }[]; text?: unknown; error?: unknown };
    if ('error' in c) return null;
    if ('formula' in c || 'sharedFormula' in c || 'result' in c) return cellValue(c.result);
    if (Array.isArray(c.richText)) return c.richText.map((r) => r.text).join('');
    if ('text' in c) return cellValue(c.text);
  }
  return String(cell);
}

// exceljs reads Excel's serial dates as UTC instants; the workbook had no zone, so none is written.
function excelDate(d: Date): string {
  const iso = d.toISOString();
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '000' ? '' : `.${ms}`}`;
}

function headerOf(values: unknown[]): string[] {
  const seen = new Set<string>();
  return values.map((v, i) => {
    const base = v === null || v === '' ? `column_${i + 1}` : String(v).trim() || `column_${i + 1}`;
    let name = base;
    for (let n = 2; seen.has(name); n++) name = `${base}_${n}`;
    seen.add(name);
    return name;
  });
}

function recordOf(header: string[], values: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i < Math.max(header.length, values.length); i++) {
    record[i < header.length ? header[i] : `column_${i + 1}`] = values[i] ?? null;
  }
  return record;
}
