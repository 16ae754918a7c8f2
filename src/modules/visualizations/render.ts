// Server-side rendering of a compiled chart: Vega-Lite → Vega → SVG (vega's headless View), and
// SVG → PNG with resvg and the DejaVu fonts shipped in a package (no system fonts: the same
// pixels on every machine). vega and vega-lite are ESM with top-level await: loaded once, lazily.
// A render must not hold its event loop (the API's for a chart request; dashboards draw exports and
// mails on a thread of their own, loading this file alone by `chartRendererUrl`): the vega steps
// are synchronous, each of several milliseconds, so the loop gets a turn between them, and resvg
// rasterizes on libuv's thread pool.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { VegaLiteSpec } from './compile.ts';

export type RenderFormat = 'svg' | 'png';
export type Theme = 'light' | 'dark';
export const SIZE_BOUNDS = { min: 100, max: 2000 } as const;

export interface RenderOptions {
  format: RenderFormat;
  width: number;
  height: number;
  theme: Theme;
  /** PNG only: pixels per SVG unit (2 for screens with two pixels a point); 1 by default. */
  scale?: number;
}

const FONT = 'DejaVu Sans';
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/** The two themes: colours and the font, nothing else. */
const THEMES: Record<Theme, Record<string, unknown>> = {
  light: { background: '#ffffff', font: FONT, title: { color: '#1f2328' }, axis: { labelColor: '#424a53', titleColor: '#1f2328', gridColor: '#e5e7eb', domainColor: '#9aa1a9', tickColor: '#9aa1a9' }, legend: { labelColor: '#424a53', titleColor: '#1f2328' }, text: { color: '#1f2328' } },
  dark: { background: '#1e1e1e', font: FONT, title: { color: '#f0f0f0' }, axis: { labelColor: '#c9d1d9', titleColor: '#f0f0f0', gridColor: '#30363d', domainColor: '#6e7681', tickColor: '#6e7681' }, legend: { labelColor: '#c9d1d9', titleColor: '#f0f0f0' }, text: { color: '#f0f0f0' }, view: { stroke: '#30363d' } },
};

let libs: Promise<{ vega: typeof import('vega'); vl: typeof import('vega-lite') }> | undefined;
const load = () => {
  libs ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return libs;
};

const clamp = (n: number) => Math.min(SIZE_BOUNDS.max, Math.max(SIZE_BOUNDS.min, Math.round(n)));

/** The spec sized and themed for rendering (its own config wins over the theme's where both set one). */
export function themed(spec: VegaLiteSpec, opts: Omit<RenderOptions, 'format'>): VegaLiteSpec {
  const config = { ...THEMES[opts.theme], ...((spec.config as Record<string, unknown> | undefined) ?? {}) };
  return { ...spec, width: clamp(opts.width), height: clamp(opts.height), autosize: { type: 'fit', contains: 'padding' }, config };
}

/** A turn of the event loop: requests waiting behind a long render are answered in between. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Renders a Vega-Lite spec to SVG or PNG at a bounded size in a theme. */
export async function renderChart(spec: VegaLiteSpec, opts: RenderOptions): Promise<{ contentType: string; body: Buffer }> {
  const { vega, vl } = await load();
  const compiled = vl.compile(themed(spec, opts) as never).spec;
  await yieldToLoop();
  const parsed = vega.parse(compiled);
  await yieldToLoop();
  // No loader: the data is inline, and a spec must never make the server fetch a URL.
  const view = new vega.View(parsed, { renderer: 'none', loader: { load: () => Promise.reject(new Error('no loading')) } as never });
  try {
    await yieldToLoop();
    const svg = await view.toSVG();
    if (opts.format === 'svg') return { contentType: 'image/svg+xml', body: Buffer.from(svg) };
    await yieldToLoop();
    return { contentType: 'image/png', body: await rasterize(svg, opts.scale ?? 1) };
  } finally {
    view.finalize();
  }
}

/** SVG → PNG with the bundled fonts, on libuv's thread pool (`renderAsync`); only the PNG encoding runs on the loop. */
async function rasterize(svg: string, scale = 1): Promise<Buffer> {
  const { renderAsync } = await import('@resvg/resvg-js');
  const image = await renderAsync(svg, { font: { fontDirs: [fontDir], loadSystemFonts: false, defaultFontFamily: FONT }, fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale } });
  return Buffer.from(image.asPng());
}

/** Compiles with vega-lite and parses with vega: throws when either refuses the spec (tests). */
export async function checkSpec(spec: VegaLiteSpec): Promise<void> {
  const { vega, vl } = await load();
  vega.parse(vl.compile(spec as never).spec);
}
