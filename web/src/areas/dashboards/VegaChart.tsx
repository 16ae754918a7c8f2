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

export function VegaChart({ spec, label, width, height }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    const el = holder.current;
    if (!el || width < 50 || height < 50) return;
    let view: View | undefined;
    let stopped = false;
    try {
      // The cell's size wins over the spec's own; `fit` keeps axes and legend inside it.
      const sized = { ...spec, width, height, autosize: { type: 'fit', contains: 'padding' } } as TopLevelSpec;
      const runtime = parse(compile(sized).spec, undefined, { ast: true });
      view = new View(runtime, { expr: expressionInterpreter, renderer: 'svg', container: el, hover: true });
      view.runAsync().catch((err: unknown) => {
        if (!stopped) setFailure(String(err));
      });
      setFailure(null);
    } catch (err) {
      setFailure(String(err));
    }
    return () => {
      stopped = true;
      view?.finalize();
      el.replaceChildren();
    };
  }, [spec, width, height]);
  return (
    <figure className="chart" aria-label={label}>
      <div ref={holder} className="chart-canvas" />
      {failure && <p className="field-error">This chart could not be drawn: {failure}</p>}
    </figure>
  );
}
