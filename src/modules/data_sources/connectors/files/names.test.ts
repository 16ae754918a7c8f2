import { describe, expect, it } from 'vitest';
import { baseName, formatOf, safeName, uniqueName } from './names.ts';

describe('table names', () => {
  it('are [a-z_][a-z0-9_]* whatever the file is called', () => {
    expect(safeName(baseName('Sales Report (Q1).csv'))).toBe('sales_report_q1');
    expect(safeName(baseName('../../etc/passwd'))).toBe('passwd');
    expect(safeName(baseName('C:\\Users\\me\\Données été.xlsx'))).toBe('donnees_ete');
    expect(safeName(baseName('2024-hours.csv'))).toBe('t_2024_hours');
    expect(safeName(baseName('"; DROP TABLE x; --.csv'))).toBe('drop_table_x');
    expect(safeName(baseName('日本語.csv'))).toBe('table');
    expect(safeName('x'.repeat(100))).toHaveLength(60);
  });

  it('are unique within a source, and never a reserved word', () => {
    const taken = new Set<string>();
    const reserved = new Set(['select', 'order']);
    expect(uniqueName('sales', taken, reserved)).toBe('sales');
    expect(uniqueName('sales', taken, reserved)).toBe('sales_2');
    expect(uniqueName('sales', taken, reserved)).toBe('sales_3');
    expect(uniqueName('order', taken, reserved)).toBe('order_t');
  });
});

describe('formatOf', () => {
  it('reads the extension', () => {
    expect(formatOf('a.CSV')).toBe('csv');
    expect(formatOf('a.tsv')).toBe('tsv');
    expect(formatOf('a.jsonl')).toBe('ndjson');
    expect(formatOf('a.parquet')).toBe('parquet');
    expect(formatOf('a.xlsx')).toBe('xlsx');
    expect(formatOf('a.xls')).toBeNull();
    expect(formatOf('noext')).toBeNull();
  });
});
