// Value rules shared by the drivers (types.ts states them) and the caps every stream applies.
import type { QueryLimits, QueryResult, StreamPart } from './types.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A 64-bit (or wider) integer: a number when it is a safe integer, else its decimal string. */
export function integerValue(value: string | bigint): number | string {
  if (typeof value === 'bigint') return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();
  // Up to 15 digits always fits; longer ones are compared exactly.
  if (value.length <= 15) return Number(value);
  const big = BigInt(value);
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : value;
}

const DECIMAL = /^[-+]?(\d*)\.?(\d*)(?:e([-+]?\d+))?$/i;

/**
 * A numeric/decimal as text: a number when it has at most 15 significant digits (a double keeps
 * 15 exactly, so the number prints back as the stored decimal) and a normal magnitude; else the
 * string, so no digit is lost silently. NaN and ±Infinity stay strings (JSON has no such numbers).
 */
export function decimalValue(text: string): number | string {
  const match = DECIMAL.exec(text);
  if (!match || (match[1] === '' && match[2] === '')) return text;
  const digits = (match[1] + match[2]).replace(/^0+/, '').replace(/0+$/, '');
  if (digits.length > 15) return text;
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  if (n !== 0 && (Math.abs(n) < 1e-300 || Math.abs(n) > 1e300)) return text;
  return n;
}

/** A float from text or a number: non-finite values become their name. */
export function floatValue(value: string | number): number | string {
  const n = typeof value === 'number' ? value : Number.parseFloat(value);
  return Number.isFinite(n) ? n : String(n);
}

/** '2024-01-02 03:04:05.123456' (a timestamp as servers print it) → '2024-01-02T03:04:05.123456'. */
export function timestampValue(text: string): string {
  return /^\d{4,}-\d\d-\d\d \d/.test(text) ? text.replace(' ', 'T') : text;
}

/** A timestamp with a zone, printed by the server in UTC ('… 03:04:05+00') → '…T03:04:05Z'. */
export function timestampUtcValue(text: string): string {
  const t = timestampValue(text);
  const zone = /([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(t);
  if (!zone || !t.includes('T')) return t;
  if (Number(zone[2]) === 0 && Number(zone[3] ?? 0) === 0 && Number(zone[4] ?? 0) === 0) return t.slice(0, zone.index) + 'Z';
  return `${t.slice(0, zone.index)}${zone[1]}${zone[2]}:${zone[3] ?? '00'}`;
}

/** Bytes as base64. */
export const binaryValue = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/**
 * The approximate size of a row once serialised as a JSON array: values, quotes, commas and
 * brackets. Escapes are not counted, so it can be low by their number; it is an order-of-magnitude
 * cap, cheap enough to apply to every row.
 */
export function approxRowSize(row: unknown[]): number {
  let size = 1 + row.length;
  for (const v of row) size += approxValueSize(v);
  return size;
}

function approxValueSize(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return v.length + 2;
    case 'number':
      return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v).length : 20;
    case 'boolean':
      return v ? 4 : 5;
    case 'object':
      if (v === null) return 4;
      if (Array.isArray(v)) return approxRowSize(v);
      return JSON.stringify(v)?.length ?? 4;
    default:
      return 4;
  }
}

/**
 * The row and byte caps of one result. `admit` takes a batch as read and keeps the prefix that
 * fits; once something did not fit (or a row past `maxRows` exists) the result is truncated and
 * the reader stops.
 */
export class ResultCaps {
  rowCount = 0;
  bytes = 0;
  truncated = false;
  readonly #limits: QueryLimits;

  constructor(limits: QueryLimits) {
    this.#limits = limits;
  }

  /** How many rows to ask for next: one past the cap, so a truncation is seen, not guessed. */
  nextBatch(batchRows: number): number {
    return Math.max(1, Math.min(batchRows, this.#limits.maxRows - this.rowCount + 1));
  }

  get done(): boolean {
    return this.truncated;
  }

  admit(rows: unknown[][]): unknown[][] {
    let kept = 0;
    for (const row of rows) {
      if (this.rowCount >= this.#limits.maxRows) {
        this.truncated = true;
        break;
      }
      const size = approxRowSize(row);
      if (this.bytes + size > this.#limits.maxBytes) {
        this.truncated = true;
        break;
      }
      this.bytes += size;
      this.rowCount++;
      kept++;
    }
    return kept === rows.length ? rows : rows.slice(0, kept);
  }
}

/** A stream collected into one result (a driver's `run`). */
export async function collect(parts: AsyncIterable<StreamPart>): Promise<QueryResult> {
  const result: QueryResult = { columns: [], rows: [], rowCount: 0, truncated: false, durationMs: 0 };
  for await (const part of parts) {
    if (part.type === 'columns') result.columns = part.columns;
    else if (part.type === 'rows') for (const row of part.rows) result.rows.push(row);
    else {
      result.rowCount = part.rowCount;
      result.truncated = part.truncated;
      result.durationMs = part.durationMs;
    }
  }
  return result;
}
