// Table names for uploaded files, and the format of a file by its name. A table name is derived
// from the file name the user gave, so it is made safe here: lower case ASCII letters, digits and
// underscores, not starting with a digit, not a reserved word, unique within the source.

export type FileFormat = 'csv' | 'tsv' | 'json' | 'ndjson' | 'parquet' | 'xlsx';

const BY_EXTENSION: Record<string, FileFormat> = {
  csv: 'csv',
  txt: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  parquet: 'parquet',
  pq: 'parquet',
  xlsx: 'xlsx',
};

/** The format a file name says, or null. */
export function formatOf(fileName: string): FileFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName.trim())?.[1]?.toLowerCase();
  return ext ? (BY_EXTENSION[ext] ?? null) : null;
}

const MAX_LENGTH = 60;

/** `[a-z_][a-z0-9_]*` from any text: accents dropped, other characters turned to `_`. */
export function safeName(text: string, fallback = 'table'): string {
  let name = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!name) name = fallback;
  if (/^[0-9]/.test(name)) name = `t_${name}`;
  return name.slice(0, MAX_LENGTH).replace(/_+$/, '');
}

/** The base of a table name from a file name: its last path segment without the extension. */
export function baseName(fileName: string): string {
  const last = fileName.split(/[\\/]/).pop() ?? '';
  return last.replace(/\.[a-z0-9]+$/i, '');
}

/**
 * A name not yet in `taken` (which it joins): `name`, `name_2`, `name_3`…; a reserved word gets a
 * trailing `_t` so queries can name the table without quotes.
 */
export function uniqueName(wanted: string, taken: Set<string>, reserved: ReadonlySet<string>): string {
  const base = reserved.has(wanted) ? `${wanted}_t` : wanted;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base.slice(0, MAX_LENGTH - String(i).length - 1)}_${i}`;
  taken.add(name);
  return name;
}
