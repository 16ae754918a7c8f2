// Documentation over HTTP: a run from a snapshot with the built-in template as Markdown, HTML and
// PDF (its pages drawn to pixels), the structure found in TypeScript, Python and an OpenAPI file,
// the optional LLM pass as the asker, org templates (checked, built-ins read-only), regeneration
// after a new snapshot, rights (viewers read, contributors generate, managers delete) and
// isolation (another org's member gets 404).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { zipOf } from './codebase-archives.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { renderPdfPages } from './pdf-pages.ts';
import { createProject, projectsUrl, putMember } from './projects-fixture.ts';
import { unzipText } from './unzip.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let llm: LlmServer;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let projectId: string;

const CODE = {
  'README.md': '# Inventory\n\nKeeps track of <b>stock</b>.\n',
  'src/stock.ts': [
    '/** Stock levels of one warehouse. */',
    'export class Stock {',
    '  /** Adds `n` items of `sku`. */',
    '  add(sku: string, n: number): void {}',
    '}',
    '/** Items left of a SKU. */',
    'export function remaining(sku: string): number { return 0; }',
    '',
  ].join('\n'),
  'src/index.ts': "export { Stock, remaining } from './stock.ts';\n",
  'tools/report.py': '"""Nightly stock report."""\n\ndef build_report(day):\n    """Builds the report of one day."""\n    return day\n',
  'api/openapi.json': JSON.stringify({ openapi: '3.0.3', info: { title: 'Inventory API', version: '1.2.0' }, paths: { '/stock/{sku}': { get: { operationId: 'getStock', summary: 'Stock of a SKU', parameters: [{ name: 'sku', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'The level' } } } } } }),
};

const docs = (rest = '') => `${projectsUrl(w.orgId, `/${projectId}`)}/docs${rest}`;
const templatesUrl = (rest = '') => `/api/v1/orgs/${w.orgId}/doc-templates${rest}`;
const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, user: U, payload?: unknown) =>
  t.request({ method, url, headers: bearer(user.accessToken), ...(payload === undefined ? {} : { payload: payload as object }) });

async function upload(user: U, files: Record<string, string>, name: string) {
  const zip = await zipOf(Object.entries(files).map(([n, data]) => ({ name: n, data })));
  const res = await t.request({ method: 'POST', url: `${projectsUrl(w.orgId, `/${projectId}`)}/codebase/uploads?name=${name}`, headers: { ...bearer(user.accessToken), 'content-type': 'application/octet-stream' }, payload: zip });
  expect(res.statusCode, res.body).toBe(201);
}
async function settle() {
  for (let i = 0; i < 20; i++) if ((await t.drain()) === 0 && (await t.runJobs()) === 0) return;
  throw new Error('events or jobs keep coming');
}
async function generated(user: U, body: Record<string, unknown>) {
  const started = await call('POST', docs(), user, body);
  expect(started.statusCode, started.body).toBe(202);
  expect(started.json().status).toBe('queued');
  await settle();
  const run = (await call('GET', docs(`/${started.json().id}`), user)).json();
  expect(run.status, run.error).toBe('done');
  return run;
}
const download = (user: U, run: { id: string }, format: string) => call('GET', docs(`/${run.id}/download?format=${format}`), user);

beforeAll(async () => {
  llm = await startLlmServer();
  t = await createTestApp({ env: llmEnv(llm) });
  w = await orgWithRoles(t);
  projectId = (await createProject(t, w.owner.accessToken, w.orgId, { description: 'The stock service' })).id;
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.member.userId, 'contributor');
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.viewer.userId, 'viewer');
  await upload(w.member, CODE, 'v1.zip');
  await settle();
});
afterAll(async () => {
  await t?.close();
  await llm?.close();
});
beforeEach(() => llm.reset());

describe('documentation runs', () => {
  it('make Markdown, an HTML site and a PDF from the current snapshot with the default template', async () => {
    const run = await generated(w.member, { formats: ['md', 'html', 'pdf'] });
    expect(run.snapshot).toBe(1);
    expect(run.template).toBe('default');
    expect(run.stats.filesParsed).toBeGreaterThanOrEqual(3);
    expect(run.stats.apis).toBe(1);
    expect(run.outputs.map((o: { format: string }) => o.format)).toEqual(['md', 'html', 'pdf']);
    // Its job went to the asker's realtime stream with its progress (GET /jobs/{id}).
    const job = await t.app.jobs.get(run.jobId);
    expect(job).toMatchObject({ status: 'completed', progress: 1, ownerId: w.member.userId });

    const md = await download(w.viewer, run, 'md');
    expect(md.statusCode, md.body).toBe(200);
    expect(md.headers['content-type']).toBe('application/zip');
    expect(md.headers['content-disposition']).toContain('attachment');
    const pages = await unzipText(md.rawPayload);
    const all = Object.values(pages).join('\n');
    expect(Object.keys(pages)).toContain('index.md');
    expect(all).toContain('remaining(sku: string): number');
    expect(all).toContain('Items left of a SKU.');
    expect(all).toContain('build_report');
    expect(all).toContain('Builds the report of one day.');
    expect(all).toContain('getStock');

    const site = await unzipText((await download(w.viewer, run, 'html')).rawPayload);
    expect(Object.keys(site)).toContain('index.html');
    const html = Object.entries(site).filter(([name]) => name.endsWith('.html')).map(([, text]) => text).join('\n');
    expect(html).toContain('Stock');
    expect(html).not.toMatch(/<b>stock<\/b>/);

    const pdf = await download(w.viewer, run, 'pdf');
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const drawn = await renderPdfPages(pdf.rawPayload);
    expect(drawn.length).toBeGreaterThan(1);
    expect(drawn.every((p) => p.inked > 0)).toBe(true);
    expect(drawn.map((p) => p.text).join(' ')).toContain('remaining');
  });

  it('adds module summaries from a model as the asker, marked as generated', async () => {
    const models = (await call('GET', `/api/v1/orgs/${w.orgId}/llm/models`, w.member)).json();
    const model = (models.data ?? models).find((m: { model: string }) => m.model === 'scripted-model');
    llm.fallback({ text: 'Tracks stock levels per warehouse.' });
    const run = await generated(w.member, { formats: ['md'], summaryModelId: model.id });
    expect(run.stats.summaries).toBeGreaterThan(0);
    expect(llm.requests[0].prompt).toContain('remaining');
    const all = Object.values(await unzipText((await download(w.member, run, 'md')).rawPayload)).join('\n');
    expect(all).toContain('Tracks stock levels per warehouse.');
    expect(all).toMatch(/generated/i);
  });

  it("stops the LLM pass at the org's budget, and still makes the documentation", async () => {
    const models = (await call('GET', `/api/v1/orgs/${w.orgId}/llm/models`, w.member)).json();
    const model = (models.data ?? models).find((m: { model: string }) => m.model === 'scripted-model');
    expect((await call('PUT', `/api/v1/orgs/${w.orgId}/llm/budgets/org`, w.owner, { monthlyTokens: 1, monthlyCostMinor: null })).statusCode).toBe(200);
    try {
      llm.fallback({ text: 'Never written.' });
      const run = await generated(w.member, { formats: ['md'], summaryModelId: model.id });
      expect(run.stats.summaries).toBe(0);
      expect(run.stats.summariesStopped).toMatch(/BUDGET/);
      expect(llm.requests).toHaveLength(0);
      expect(Object.values(await unzipText((await download(w.member, run, 'md')).rawPayload)).join('\n')).not.toContain('Never written.');
    } finally {
      await call('PUT', `/api/v1/orgs/${w.orgId}/llm/budgets/org`, w.owner, { monthlyTokens: null, monthlyCostMinor: null });
    }
  });

  it('are started by contributors, read by viewers, deleted by managers; 404 to another org', async () => {
    expectProblem(await call('POST', docs(), w.viewer, { formats: ['md'] }), 403, 'FORBIDDEN');
    const run = await generated(w.member, { formats: ['md'] });
    expect((await call('GET', docs(), w.viewer)).json().data.some((r: { id: string }) => r.id === run.id)).toBe(true);
    expectProblem(await call('GET', docs(`/${run.id}`), w.outsider), 404, 'ORG.NOT_FOUND');
    expectProblem(await download(w.member, run, 'pdf'), 409, 'GENDOC.OUTPUT_NOT_READY');
    expectProblem(await call('DELETE', docs(`/${run.id}`), w.member), 403, 'FORBIDDEN');
    expect((await call('DELETE', docs(`/${run.id}`), w.owner)).statusCode).toBe(204);
    expectProblem(await call('GET', docs(`/${run.id}`), w.owner), 404, 'GENDOC.RUN_NOT_FOUND');
    expectProblem(await call('POST', docs(), w.member, { formats: ['md'], snapshot: 9 }), 404, 'CODEBASE.SNAPSHOT_NOT_FOUND');
  });
});

describe('a run as the asker', () => {
  it('fails, showing nothing, when the asker lost the project before it ran', async () => {
    const other = await addMember(t, w.owner.accessToken, w.orgId, 'member');
    await putMember(t, w.owner.accessToken, w.orgId, projectId, other.userId, 'contributor');
    const started = await call('POST', docs(), other, { formats: ['md'] });
    expect(started.statusCode, started.body).toBe(202);
    expect((await call('DELETE', `${projectsUrl(w.orgId, `/${projectId}`)}/members/${other.userId}`, w.owner)).statusCode).toBe(204);
    await settle();
    const run = (await call('GET', docs(`/${started.json().id}`), w.owner)).json();
    expect(run.status).toBe('failed');
    expect(run.outputs).toEqual([]);
    expectProblem(await download(w.owner, run, 'md'), 409, 'GENDOC.OUTPUT_NOT_READY');
  });
});

describe('templates', () => {
  it('lists the built-in ones, which cannot be changed, and checks the org\'s own', async () => {
    const list = (await call('GET', templatesUrl(), w.member)).json();
    const builtin = list.data.find((x: { id: string }) => x.id === 'default');
    expect(builtin.builtin).toBe(true);
    expectProblem(await call('PUT', templatesUrl('/default'), w.admin, { ...builtin.template, name: 'Mine' }), 409, 'GENDOC.BUILTIN_TEMPLATE');
    const broken = await call('POST', templatesUrl(), w.member, { ...builtin.template, name: 'Broken', overview: 'Hello {{no.such.thing}}' });
    expectProblem(broken, 422, 'GENDOC.TEMPLATE_INVALID');
    expect(JSON.stringify(broken.json().errors)).toContain('no.such.thing');
  });

  it('of the org decide the pages; a run keeps the template as it was', async () => {
    const builtin = (await call('GET', templatesUrl('/default'), w.member)).json();
    const created = await call('POST', templatesUrl(), w.member, { ...builtin.template, name: 'Team docs', overview: '# {{project.name}} handbook\n\nOwned by {{team}}.\n', variables: [{ name: 'team', default: 'nobody' }] });
    expect(created.statusCode, created.body).toBe(201);
    const mine = created.json();
    const run = await generated(w.member, { formats: ['md'], template: mine.id, values: { team: 'Logistics' } });
    expect((await unzipText((await download(w.member, run, 'md')).rawPayload))['index.md']).toContain('Owned by Logistics.');
    expectProblem(await call('PUT', templatesUrl(`/${mine.id}`), w.viewer, { ...mine.template, name: 'Taken over' }), 403, 'FORBIDDEN');
    expect((await call('DELETE', templatesUrl(`/${mine.id}`), w.member)).statusCode).toBe(204);
    expect((await call('GET', docs(`/${run.id}`), w.member)).json().status).toBe('done');
    expectProblem(await call('GET', templatesUrl(`/${mine.id}`), w.outsider), 404, 'ORG.NOT_FOUND');
  });
});

describe('regeneration after a snapshot', () => {
  it('runs as the member who asked when a new snapshot arrives', async () => {
    const put = await call('PUT', docs('/settings'), w.member, { regenerate: true, formats: ['html'] });
    expect(put.statusCode, put.body).toBe(200);
    expectProblem(await call('PUT', docs('/settings'), w.viewer, { regenerate: false }), 403, 'FORBIDDEN');
    await upload(w.member, { ...CODE, 'src/extra.ts': '/** More. */\nexport const extra = 1;\n' }, 'v2.zip');
    await settle();
    const latest = (await call('GET', docs(), w.member)).json().data[0];
    expect(latest.trigger).toBe('snapshot');
    expect(latest.snapshot).toBe(2);
    expect(latest.status).toBe('done');
    expect(latest.createdBy).toBe(w.member.userId);
    await call('PUT', docs('/settings'), w.member, { regenerate: false });
  });
});
