// gendoc's rendering: a CodeModel and a template in, one output out (a ZIP of Markdown pages, a
// ZIP of a static site, or a PDF). Pure: no database, storage or network; the module's job
// wires it to runs. Every format is written from the same pages (pages.ts).
import { CoreProblems } from '../../../core/errors.ts';
import type { CodeModel, DocFormat, RenderedDocs } from '../model.ts';
import { buildPages } from './pages.ts';
import { formatDate } from './pages/values.ts';
import { checkTemplate, type DocTemplate, resolveValues } from './template.ts';
import { writeHtmlZip } from './write-html.ts';
import { writeMarkdownZip } from './write-md.ts';

export type { DocPage } from './pages.ts';
export { buildPages } from './pages.ts';
export { API_ONLY_TEMPLATE, BUILT_IN_PLACEHOLDERS, BUILT_IN_TEMPLATES, checkTemplate, DEFAULT_TEMPLATE, type DocTemplate, DocTemplateSchema, type FieldProblem, PAGE_PLACEHOLDERS, resolveValues } from './template.ts';

export interface RenderOptions {
  /** The template's variables for this run (defaults fill the rest). */
  values?: Readonly<Record<string, string>>;
  generatedAt: Date;
  /** The time zone dates are shown in (the org's); an unknown one falls back to UTC. */
  timeZone: string;
  /** Called after each page is written, with the pages written and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Pages written between two turns of the event loop: a long render does not hold other work up. */
const PAGES_PER_TURN = 20;

const fileStem = (model: CodeModel) => `${model.project.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'project'}-v${model.snapshot.version}-docs`;

/**
 * The documentation of a model in one format. A template with problems (checkTemplate) or values
 * that do not fit its variables is refused with `VALIDATION_FAILED` and the fields at fault.
 */
export async function renderDocs(model: CodeModel, template: DocTemplate, format: DocFormat, opts: RenderOptions): Promise<RenderedDocs> {
  const problems = checkTemplate(template);
  const resolved = resolveValues(template, opts.values ?? {});
  if (problems.length || 'problems' in resolved) {
    throw CoreProblems.validationFailed.error('The template or its values are not valid', { errors: [...problems.map((p) => ({ field: `template.${p.field}`, message: p.message })), ...('problems' in resolved ? resolved.problems : [])] });
  }
  const run = { generatedAt: opts.generatedAt, timeZone: opts.timeZone };
  const pages = buildPages(model, template, resolved.values, run);
  let done = 0;
  const onPage = async () => {
    done++;
    opts.onProgress?.(done, pages.length);
    if (done % PAGES_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const generated = `Generated ${formatDate(opts.generatedAt, opts.timeZone)} by Trellis from snapshot ${model.snapshot.version} (${model.snapshot.name}).`;
  const stem = fileStem(model);
  switch (format) {
    case 'md':
      return { format, fileName: `${stem}-markdown.zip`, contentType: 'application/zip', bytes: await writeMarkdownZip(pages, opts.generatedAt, onPage), pages: pages.length };
    case 'html':
      return { format, fileName: `${stem}-site.zip`, contentType: 'application/zip', bytes: await writeHtmlZip(pages, { project: model.project.name, generated, generatedAt: opts.generatedAt }, onPage), pages: pages.length };
    case 'pdf': {
      // pdfkit and its fonts load with the first PDF, not with the server (decision 0065).
      const { writePdf } = await import('./write-pdf.ts');
      return { format, fileName: `${stem}.pdf`, contentType: 'application/pdf', bytes: await writePdf(pages, { title: model.project.name, subtitle: `Snapshot ${model.snapshot.version}: ${model.snapshot.name}`, generated }, onPage), pages: pages.length };
    }
  }
}
