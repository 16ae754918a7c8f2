// What a subscription mail carries, through HTTP: the charts as inline PNGs shown by Content-ID in
// the body, the dashboard's PDF (its title, filters and the time in the org's zone), a CSV per
// table (header row, UTF-8, formula-like cells written as text), each from the data computed as
// its recipient; a recipient who may no longer see the dashboard gets no mail and so no file;
// formats that are not known, repeated or missing are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailAttachment } from '../src/core/mail/index.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, orgUrl, setOrgZone } from './time-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let dashboardId: string;

const NAME = 'Board <formats>';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const url = (rest: string) => orgUrl(w.orgId, rest);
const ok = async (res: Awaited<ReturnType<typeof call>>, status = 200) => {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
};
const mailsTo = (u: U) => t.mailer.sent.filter((m) => m.to === u.email && m.subject === NAME);
const subscribe = async (body: Record<string, unknown>) =>
  ok(await call(t, w.member.accessToken, 'POST', url('/dashboard-subscriptions'), { dashboardId, recipients: [w.admin.userId, w.viewer.userId], schedule: '0 8 * * 1', ...body }), 201);
const send = async (id: string) => ok(await call(t, w.member.accessToken, 'POST', url(`/dashboard-subscriptions/${id}/send`)));
const file = (atts: MailAttachment[] | undefined, name: string) => atts?.find((a) => a.filename === name);
/** A CSV as rows of fields (enough of RFC 4180 for these files: quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\r\n').filter(Boolean)) {
    const fields: string[] = [];
    for (const m of line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)) fields.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]);
    rows.push(fields);
  }
  return rows;
}

/** The text of every page of a PDF, with pdf.js. */
async function pdfText(pdf: Buffer): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = pdfjs.getDocument({ data: new Uint8Array(pdf), standardFontDataUrl: `${process.cwd()}/node_modules/pdfjs-dist/standard_fonts/`, verbosity: 0 });
  const doc = await task.promise;
  const pages: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) pages.push((await (await doc.getPage(n)).getTextContent()).items.map((i) => ('str' in i ? i.str : '')).join(' '));
  await task.destroy();
  return pages.join('\n');
}

beforeAll(async () => {
  t = await createTestApp();
  w = await orgWithRoles(t);
  await setOrgZone(t, w.owner.accessToken, w.orgId, 'Asia/Tokyo');
  const sourceId = (await ok(await call(t, w.admin.accessToken, 'POST', url('/data-sources'), { name: 'Workspace', kind: 'workspace' }), 201)).id;
  const question = async (name: string, sql: string) => (await ok(await call(t, w.member.accessToken, 'POST', url('/questions'), { dataSourceId: sourceId, name, sql }), 201)).id;
  const topId = await question('Top', "SELECT 'Alpha' AS label, 5 AS n UNION ALL SELECT 'Beta', 9 UNION ALL SELECT 'Gamma', 3");
  // 80 rows: more than the body shows (50), all of them in the CSV.
  const rowsId = await question('Rows', "SELECT n, 'Item ' || CAST(n AS text) AS label FROM generate_series(1, 80) AS t(n)");
  const riskyId = await question('Risky', `SELECT '=HYPERLINK("https://evil.example","click")' AS label, -3 AS n UNION ALL SELECT 'Zoë, "quoted"', 2`);
  const chartId = (await ok(await call(t, w.member.accessToken, 'POST', url('/charts'), { questionId: topId, type: 'bar', encoding: { x: 'label', y: 'n' }, options: { title: 'Top labels' } }), 201)).id;
  dashboardId = (
    await ok(
      await call(t, w.member.accessToken, 'POST', url('/dashboards'), {
        name: NAME,
        widgets: [
          { id: 'bars', kind: 'chart', chartId, title: 'Top <labels>', x: 0, y: 0, w: 6, h: 4 },
          { id: 'notes', kind: 'text', markdown: 'Read me', x: 6, y: 0, w: 6, h: 4 },
          { id: 'risky', kind: 'question', questionId: riskyId, title: 'Risky cells', x: 0, y: 4, w: 6, h: 3 },
          { id: 'rows', kind: 'question', questionId: rowsId, title: 'All rows', x: 0, y: 7, w: 12, h: 6 },
        ],
      }),
      201,
    )
  ).id;
}, 60_000);
afterAll(async () => t?.close());

describe('subscription formats', () => {
  it('refuse an unknown format, an empty list and a repeated one', async () => {
    for (const [formats, field] of [
      [['inline', 'gif'], 'body.formats.1'],
      [[], 'body.formats'],
      [['pdf', 'pdf'], 'body.formats'],
    ] as const) {
      const res = await call(t, w.member.accessToken, 'POST', url('/dashboard-subscriptions'), { dashboardId, recipients: [w.admin.userId], schedule: '0 8 * * 1', formats });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(new Set(problem.errors.map((e: { field: string }) => e.field)), JSON.stringify(problem.errors)).toEqual(new Set([field]));
    }
    const made = await subscribe({});
    expect(made.formats).toEqual(['inline']);
    expectProblem(await call(t, w.member.accessToken, 'PATCH', url(`/dashboard-subscriptions/${made.id}`), { formats: ['csv', 'zip'] }), 400, 'VALIDATION_FAILED');
    expect((await ok(await call(t, w.member.accessToken, 'PATCH', url(`/dashboard-subscriptions/${made.id}`), { formats: ['csv', 'pdf'] }))).formats).toEqual(['csv', 'pdf']);
    expect((await ok(await call(t, w.member.accessToken, 'GET', url(`/dashboard-subscriptions/${made.id}`)))).formats).toEqual(['csv', 'pdf']);
    expect((await call(t, w.member.accessToken, 'DELETE', url(`/dashboard-subscriptions/${made.id}`))).statusCode).toBe(204);
  });

  it('inline: each recipient gets the chart as a PNG shown by its Content-ID', async () => {
    const sub = await subscribe({ formats: ['inline'] });
    expect(await send(sub.id)).toMatchObject({ sent: [w.admin.userId, w.viewer.userId], failed: [] });
    for (const u of [w.admin, w.viewer]) {
      const [mail] = mailsTo(u);
      const body = mail.html ?? '';
      expect(mail.attachments).toHaveLength(1);
      const [png] = mail.attachments!;
      expect(png).toMatchObject({ filename: 'Top-labels.png', contentType: 'image/png', contentId: expect.stringMatching(/^[A-Za-z0-9._@-]+$/) });
      expect(png.content.subarray(0, 8)).toEqual(PNG_SIGNATURE);
      // Drawn at twice the 496 px it is shown at.
      expect(png.content.readUInt32BE(16)).toBe(992);
      expect(mail.html).toContain(`<img src="cid:${png.contentId}" alt="Top &lt;labels&gt;" width="496"`);
      expect(body.indexOf(`cid:${png.contentId}`)).toBeLessThan(body.indexOf('Risky cells'));
      expect(mail.text).toContain('Top <labels>: the chart is attached (Top-labels.png)');
      // The tables stay in the body; no other file without the formats that make them.
      expect(mail.html).toContain('<td>Item 50</td>');
      expect(mail.html).not.toContain('<td>Item 51</td>');
      expect(mail.html).toContain('30 more rows on the dashboard.');
    }
    // Two mails, two pictures each of their own id.
    expect(mailsTo(w.admin)[0].attachments![0].contentId).not.toBe(mailsTo(w.viewer)[0].attachments![0].contentId);
    expect((await call(t, w.member.accessToken, 'DELETE', url(`/dashboard-subscriptions/${sub.id}`))).statusCode).toBe(204);
  }, 60_000);

  it('pdf and csv: the dashboard as its export makes it and a CSV per table, as each recipient computes them', async () => {
    t.mailer.sent.length = 0;
    const sub = await subscribe({ formats: ['pdf', 'csv'] });
    expect(await send(sub.id)).toMatchObject({ sent: [w.admin.userId, w.viewer.userId], failed: [] });
    for (const u of [w.admin, w.viewer]) {
      const [mail] = mailsTo(u);
      expect(mail.attachments?.map((a) => a.filename).sort()).toEqual(['All-rows.csv', 'Board-formats.pdf', 'Risky-cells.csv']);
      // No inline format: the chart is pointed at, not drawn into the body.
      expect(mail.attachments?.some((a) => a.contentId)).toBe(false);
      expect(mail.html).toContain('See the chart on the dashboard and in the attached PDF.');

      const pdf = file(mail.attachments, 'Board-formats.pdf')!;
      expect(pdf.contentType).toBe('application/pdf');
      expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
      const text = await pdfText(pdf.content);
      expect(text).toContain(NAME);
      expect(text).toMatch(/Generated .*\(Asia\/Tokyo\)/);
      expect(text).toContain('Gamma'); // the chart, drawn as vectors
      expect(text).toContain('Item 80');

      // Each CSV holds the rows this recipient's own `/data` answers, all of them (not the body's 50).
      const own = await ok(await t.request({ method: 'GET', url: url(`/dashboards/${dashboardId}/data`), headers: bearer(u.accessToken) }));
      const result = (id: string) => own.widgets.find((x: { widgetId: string }) => x.widgetId === id).result;
      const rowsCsv = file(mail.attachments, 'All-rows.csv')!;
      expect(rowsCsv.contentType).toBe('text/csv; charset=utf-8');
      const rows = parseCsv(rowsCsv.content.toString('utf8').replace(/^\uFEFF/, ''));
      expect(rows).toEqual([['n', 'label'], ...result('rows').rows.map((r: unknown[]) => r.map(String))]);
      expect(rows).toHaveLength(81);
      expect(mail.html).toContain('The attached All-rows.csv has its 80 rows.');

      const risky = file(mail.attachments, 'Risky-cells.csv')!.content;
      expect(risky.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // UTF-8, marked for spreadsheets
      expect(parseCsv(risky.toString('utf8').slice(1))).toEqual([
        ['label', 'n'],
        [`'=HYPERLINK("https://evil.example","click")`, '-3'],
        ['Zoë, "quoted"', '2'],
      ]);
      // The body shows the value as it is; only the file a spreadsheet opens is neutralized.
      expect(mail.html).toContain('<td>=HYPERLINK(&quot;https://evil.example&quot;,&quot;click&quot;)</td>');
    }
    expect((await call(t, w.member.accessToken, 'DELETE', url(`/dashboard-subscriptions/${sub.id}`))).statusCode).toBe(204);
  }, 60_000);

  it('send no file to a recipient who may no longer see the dashboard', async () => {
    t.mailer.sent.length = 0;
    const sub = await subscribe({ formats: ['inline', 'pdf', 'csv'] });
    // Into a collection that grants members (and up) a view: the viewer loses the dashboard.
    const finance = await ok(await call(t, w.admin.accessToken, 'POST', url('/dashboard-collections'), { name: 'Finance', grants: [{ role: 'member', access: 'view' }] }), 201);
    await ok(await call(t, w.admin.accessToken, 'PATCH', url(`/dashboards/${dashboardId}`), { collectionId: finance.id }));
    expect(await send(sub.id)).toEqual({ sent: [w.admin.userId], skipped: [], dropped: [w.viewer.userId], failed: [] });
    expect(mailsTo(w.viewer)).toEqual([]);
    const [mail] = mailsTo(w.admin);
    expect(mail.attachments?.map((a) => a.contentType).sort()).toEqual(['application/pdf', 'image/png', 'text/csv; charset=utf-8', 'text/csv; charset=utf-8']);
  }, 60_000);
});
