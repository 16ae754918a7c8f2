import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvHeader, csvRows, neutralizeCell } from './csv.ts';
import type { AuditRecordView } from './schemas.ts';

const record: AuditRecordView = {
  id: '01900000-0000-7000-8000-000000000001',
  type: 'projects.project_created',
  occurredAt: '2026-01-02T03:04:05.678Z',
  actorId: '01900000-0000-7000-8000-000000000002',
  apiKeyId: null,
  orgId: '01900000-0000-7000-8000-000000000003',
  targetType: 'project',
  targetId: '01900000-0000-7000-8000-000000000004',
  ip: '203.0.113.7',
  userAgent: '=HYPERLINK("http://evil","x")',
  requestId: '@req',
  payload: { name: 'Web, "new"', key: 'WEB' },
};

describe('audit CSV', () => {
  it('neutralizes cells a spreadsheet would run as formulas', () => {
    for (const v of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(neutralizeCell(v)).toBe(`'${v}`);
    for (const v of ['plain', '1-2', 'a=b', '']) expect(neutralizeCell(v)).toBe(v);
  });

  it('writes a BOM and a CRLF header with every column', () => {
    expect(csvHeader()).toBe(`\uFEFF${CSV_COLUMNS.join(',')}\r\n`);
  });

  it('writes one quoted-as-needed row per record, nulls empty and formulas defused', () => {
    const text = csvRows([record]);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text).toContain(`,"'=HYPERLINK(""http://evil"",""x"")",'@req,`);
    expect(text).toContain('"{""name"":""Web, \\""new\\"""",""key"":""WEB""}"');
    expect(text.startsWith(`${record.id},${record.occurredAt},projects.project_created,${record.actorId},,`)).toBe(true);
  });
});
