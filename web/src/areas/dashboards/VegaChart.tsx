// A chart drawn in the browser from the API's Vega-Lite spec (its data inline), under the
// page's CSP: Vega compiles expressions with `new Function` unless given the AST and an
// interpreter (vega-interpreter), and vega-embed injects a <style> element, so this uses
// vega's View directly with the SVG renderer, which styles through the CSSOM only.
import { useEffect, useRef, useState } from 'react';
import { parse, View } from 'vega';
import { expressionInterpreter } from 'vega-interpreter';
import { compile, type TopLevelSpec } from 'vega-lite';

interface Props {
  spec: Record<string, unknown>;
  /** The chart's name for assistive technology (its title). */
  label: string;
  width: number;
  height: number;
}

/** Changes when the theme does (the toggle sets data-theme; the system may switch): charts are drawn again in its colours. */
function useThemeTick(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const bump = () => setTick((n) => n + 1);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const media = window.matchMedia?.('(prefers-color-scheme: dark)');
    media?.addEventListener('change', bump);
    return () => {
      observer.disconnect();
      media?.removeEventListener('change', bump);
    };
  }, []);
  return tick;
}

export function VegaChart({ spec, label, width, height }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const themeTick = useThemeTick();
  // biome-ignore lint/correctness/useExhaustiveDependencies: themeTick is read by no line of the effect on purpose: a theme change redraws the chart in the new theme's colours.
  useEffect(() => {
    const el = holder.current;
    if (!el || width < 50 || height < 50) return;
    let view: View | undefined;
    let stopped = false;
    try {
      // The cell's size wins over the spec's own; `fit` keeps axes and legend inside it.
      const sized = { ...spec, width, height, autosize: { type: 'fit', contains: 'padding' } } as TopLevelSpec;
      // Text and lines in the theme's colour (the page's, read from the holder), so a dark theme
      // gets light axes; the spec's own config (colours of marks, a currency) still wins.
      const style = getComputedStyle(el);
      const ink = style.color;
      const rule = style.getPropertyValue('--line').trim() || '#d5d8de';
      const theme = { background: null, title: { color: ink }, axis: { labelColor: ink, titleColor: ink, domainColor: ink, tickColor: ink, gridColor: rule }, legend: { labelColor: ink, titleColor: ink }, view: { stroke: null } };
      const runtime = parse(compile(sized, { config: theme as never }).spec, undefined, { ast: true });
      // Drawn off to the side and swapped in when done: a redraw (a new size, the theme) never
      // leaves the cell blank in between.
      const fresh = document.createElement('div');
      view = new View(runtime, { expr: expressionInterpreter, renderer: 'svg', container: fresh, hover: true });
      view
        .runAsync()
        .then(() => {
          if (stopped) return;
          el.replaceChildren(fresh);
          setFailure(null);
        })
        .catch((err: unknown) => {
          if (!stopped) setFailure(String(err));
        });
    } catch (err) {
      setFailure(String(err));
    }
    return () => {
      stopped = true;
      view?.finalize();
    };
    // themeTick: drawn again in the new theme's colours.
  }, [spec, width, height, themeTick]);
  return (
    <figure className="chart" aria-label={label}>
      <div ref={holder} className="chart-canvas" />
      {failure && <p className="field-error">This chart could not be drawn: {failure}</p>}
    </figure>
  );
}
