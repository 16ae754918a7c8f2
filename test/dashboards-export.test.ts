// Dashboard exports over HTTP: a PDF a person would send (its pages rendered to images with
// pdf.js and looked at: not blank, the name, a filter value and a table value in its text, the
// table continued on a second page) and a PNG of the whole grid, made by a job as the requester,
// kept through core.storage and downloaded through the signed link; other orgs cannot export.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCanvas } from '@napi-rs/canvas';
import { renderPdfPages } from './pdf-pages.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, orgUrl, setOrgZone } from './time-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let dashboardId: string;

const ok = async (res: Awaited<ReturnType<typeof call>>, status = 200) => {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
};

beforeAll(async () => {
  t = await createTestApp({ env: { DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1', DASHBOARD_WIDGET_TIMEOUT: '5s' } });
  w = await orgWithRoles(t);
  await setOrgZone(t, w.owner.accessToken, w.orgId, 'Asia/Tokyo');
  const sourceId = (await ok(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, '/data-sources'), { name: 'Workspace', kind: 'workspace' }), 201)).id;
  await ok(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, `/data-sources/${sourceId}/sync`), {}), 202);
  await t.runJobs();
  const question = async (name: string, sql: string, parameters: unknown[] = []) => (await ok(await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), { dataSourceId: sourceId, name, sql, parameters }), 201)).id;
  // 80 rows: more than one A4 landscape page holds.
  const rowsId = await question('Rows', "SELECT n, 'Item ' || CAST(n AS text) || ' ' || CAST(:region AS text) AS label FROM generate_series(1, 80) AS t(n)", [{ name: 'region', type: 'text', default: 'north' }]);
  const topId = await question('Top', "SELECT 'Alpha' AS label, 5 AS n UNION ALL SELECT 'Beta', 9 UNION ALL SELECT 'Gamma', 3");
  const brokenId = await question('Broken', "SELECT CAST('not a number' AS integer) AS n");
  const chartId = (await ok(await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/charts'), { questionId: topId, type: 'bar', encoding: { x: 'label', y: 'n' }, options: { title: 'Top labels' } }), 201)).id;
  dashboardId = (
    await ok(
      await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/dashboards'), {
        name: 'Quarterly Board',
        filters: [{ id: 'region', kind: 'category', label: 'Region', values: ['north', 'south'], default: 'north' }],
        widgets: [
          { id: 'bars', kind: 'chart', chartId, x: 0, y: 0, w: 6, h: 4 },
          { id: 'notes', kind: 'text', markdown: '## Notes\n\nRevenue & costs <b>grew</b>.', x: 6, y: 0, w: 6, h: 2 },
          { id: 'broken', kind: 'question', questionId: brokenId, title: 'Broken numbers', x: 6, y: 2, w: 6, h: 2 },
          { id: 'rows', kind: 'question', questionId: rowsId, title: 'All rows', x: 0, y: 4, w: 12, h: 6, filters: [{ filterId: 'region', parameter: 'region' }] },
        ],
      }),
      201,
    )
  ).id;
}, 120_000);
afterAll(async () => {
  // The stream test's fetch may leave a spare socket open: drop them all.
  t?.app.http.server.closeAllConnections();
  await t?.close();
});

const exportsUrl = () => orgUrl(w.orgId, `/dashboards/${dashboardId}/exports`);

/** Requests an export as `token`, runs the job, answers the job's view and the downloaded file. */
async function exportAs(token: string, body: Record<string, unknown>) {
  const accepted = await ok(await call(t, token, 'POST', exportsUrl(), body), 202);
  expect(accepted.statusUrl).toBe(`/api/v1/jobs/${accepted.jobId}`);
  await t.runJobs();
  const job = await ok(await call(t, token, 'GET', `/api/v1/jobs/${accepted.jobId}`));
  expect(job.status, JSON.stringify(job)).toBe('completed');
  const file = await t.request({ method: 'GET', url: job.result.link });
  expect(file.statusCode).toBe(200);
  return { job, body: file.rawPayload, headers: file.headers };
}


describe('dashboard exports', () => {
  it('makes a PDF with the name, filters, time in the org zone, a vector chart, a paged table, the text and the failure', async () => {
    const { job, body, headers } = await exportAs(w.viewer.accessToken, { format: 'pdf', filters: { region: 'south' } });
    expect(job.result).toMatchObject({ contentType: 'application/pdf', bytes: body.length });
    expect(job.result.fileName).toMatch(/^Quarterly-Board-\d{4}-\d{2}-\d{2}\.pdf$/);
    expect(job.result.link).toMatch(/^\/api\/v1\/files\//);
    expect(headers['content-type']).toContain('application/pdf');
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    // The progress the job reported: its last note before completion stays on the job.
    expect(job).toMatchObject({ progress: 1, note: 'storing' });
    // The job, its progress and its link belong to the requester.
    expect((await call(t, w.member.accessToken, 'GET', `/api/v1/jobs/${job.id}`)).statusCode).toBe(404);

    const pages = await renderPdfPages(body);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[0].inked).toBeGreaterThan(2000);
    const first = pages[0].text;
    expect(first).toContain('Quarterly Board');
    expect(first).toContain('Region: south');
    expect(first).toMatch(/Generated .*\(Asia\/Tokyo\)/);
    // Chart axis labels are drawn from the SVG as text: the chart is vector, not a picture.
    expect(first).toContain('Gamma');
    expect(first).toContain('Revenue & costs grew.');
    expect(first).toMatch(/Widget Broken numbers: \S/);
    const all = pages.map((p) => p.text).join('\n');
    // The filter reached the question (run as the requester), and the table goes on past page 1
    // with its header row again.
    expect(all).toContain('Item 1 south');
    expect(all).toContain('Item 80 south');
    const continued = pages.slice(1).find((p) => p.text.includes('All rows (continued)'));
    expect(continued?.text).toContain('label');
    expect(pages.at(-1)?.text).toContain(`Page ${pages.length} of ${pages.length}`);
  }, 60_000);

  it('makes a PNG of the whole grid', async () => {
    const { job, body } = await exportAs(w.member.accessToken, { format: 'png' });
    expect(job.result.contentType).toBe('image/png');
    expect(body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const width = body.readUInt32BE(16);
    const height = body.readUInt32BE(20);
    expect(width).toBe(1200);
    expect(height).toBeGreaterThan(10 * 80);
    const { loadImage } = await import('@napi-rs/canvas');
    const image = await loadImage(body);
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const pixels = ctx.getImageData(0, 0, width, height).data;
    let dark = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 120 && pixels[i + 1] < 120 && pixels[i + 2] < 120) dark++;
    expect(dark).toBeGreaterThan(1000);
  }, 60_000);

  it("pushes the job's progress to the requester's realtime stream", async () => {
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}`;
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/stream`, { headers: bearer(w.viewer.accessToken), signal: controller.signal });
    expect(res.status).toBe(200);
    let raw = '';
    const reading = (async () => {
      const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        raw += value;
      }
    })().catch(() => undefined);
    /** The job.progress events for `jobId` received so far. */
    const progress = (jobId: string) =>
      raw
        .split('\n\n')
        .filter((block) => block.includes('event: job.progress'))
        .map((block) => JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))?.slice(6) ?? '{}'))
        .filter((e) => e.jobId === jobId);
    try {
      await vi.waitFor(() => expect(raw).toContain('connected'));
      const { jobId } = await ok(await call(t, w.viewer.accessToken, 'POST', exportsUrl(), { format: 'png' }), 202);
      await t.runJobs();
      await vi.waitFor(() => expect(progress(jobId).map((e) => e.note ?? e.status)).toEqual(['computing widgets', 'rendering', 'storing', 'completed']));
      expect(progress(jobId).map((e) => e.progress)).toEqual([0.1, 0.5, 0.9, 1]);
    } finally {
      controller.abort();
      await reading;
    }
  }, 60_000);

  it('is refused to other orgs, bad filters and bad formats', async () => {
    expectProblem(await call(t, w.outsider.accessToken, 'POST', exportsUrl(), { format: 'pdf' }), 404, 'ORG.NOT_FOUND');
    expectProblem(await call(t, w.viewer.accessToken, 'POST', orgUrl(w.orgId, '/dashboards/00000000-0000-7000-8000-000000000001/exports'), { format: 'pdf' }), 404, 'DASHBOARDS.NOT_FOUND');
    expectProblem(await call(t, w.viewer.accessToken, 'POST', exportsUrl(), { format: 'pdf', filters: { region: 'west' } }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, w.viewer.accessToken, 'POST', exportsUrl(), { format: 'docx' }), 400, 'VALIDATION_FAILED');
  });
});
