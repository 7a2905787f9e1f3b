/**
 * Headless rendering of Vega-Lite v5 specs to SVG and PNG, synchronously, so
 * a chart can answer the display protocol (which is synchronous) with its
 * images inside the cell that shows it.
 *
 * vega's public `view.toSVG()` is async only because it waits for data and
 * images to load; pipelab's specs carry their data inline and no images, so
 * `view.run()` then vega's own SVG string renderer gives the same text at
 * once (a test checks it against `toSVG()`). vega 5 / vega-lite 5: version 6
 * of both cannot be `require`d on Node 20, and notebook frontends render
 * Vega-Lite only up to v5. Loaded on first use: they take ~0.3 s to load.
 */
type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");

interface SvgStringRenderer {
  initialize(el: null, width: number, height: number, origin: [number, number], scale: number): SvgStringRenderer;
  background(color: unknown): SvgStringRenderer;
  render(scene: unknown): SvgStringRenderer;
  svg(): string;
}

let vega: Vega | undefined;
let vegaLite: VegaLite | undefined;

function load(): { vega: Vega; vegaLite: VegaLite } {
  vega ??= require("vega") as Vega;
  vegaLite ??= require("vega-lite") as VegaLite;
  return { vega, vegaLite };
}

/** The compiled Vega view of a Vega-Lite spec, evaluated. The caller must finalize() it. */
function evaluatedView(spec: object): import("vega").View {
  const { vega, vegaLite } = load();
  // vega tags the data objects it ingests: give it a copy, so the caller's spec stays plain JSON.
  const view = new vega.View(vega.parse(vegaLite.compile(structuredClone(spec) as never).spec), { renderer: "none" });
  view.run();
  return view;
}

/** The SVG text of a Vega-Lite spec whose data is inline. */
export function renderSvg(spec: object): string {
  // Not in vega's type declarations, but exported by vega-scenegraph through vega.
  const { SVGStringRenderer } = load().vega as unknown as { SVGStringRenderer: new (loader: unknown) => SvgStringRenderer };
  const view = evaluatedView(spec);
  try {
    // The same geometry vega's headless renderer uses: the view plus its padding, shifted by the origin.
    const padding = view.padding() as { top: number; bottom: number; left: number; right: number };
    const origin = view.origin();
    const internals = view as unknown as { _viewWidth: number; _viewHeight: number };
    const width = Math.max(0, internals._viewWidth + padding.left + padding.right);
    const height = Math.max(0, internals._viewHeight + padding.top + padding.bottom);
    const renderer = new SVGStringRenderer(view.loader())
      .initialize(null, width, height, [padding.left + origin[0], padding.top + origin[1]], 1)
      .background(view.background());
    renderer.render((view.scenegraph() as unknown as { root: unknown }).root);
    return renderer.svg();
  } finally {
    view.finalize();
  }
}

// vega asks for "sans-serif"; resvg maps that to Arial and falls back to a serif font where Arial is missing.
const SANS_SERIF = { loadSystemFonts: true, sansSerifFamily: "DejaVu Sans", defaultFontFamily: "DejaVu Sans" };

/** The CSS size of an SVG this module rendered: the width and height on its root element. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /^<svg\b[^>]*>/.exec(svg)?.[0] ?? "";
  const attribute = (name: string) => Number(new RegExp(`\\s${name}="([\\d.]+)"`).exec(root)?.[1] ?? Number.NaN);
  return { width: attribute("width"), height: attribute("height") };
}

/** A PNG of an SVG, at `scale` times its size (resvg: no native canvas needed). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const { Resvg } = require("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
  const resvg = new Resvg(svg, { fitTo: { mode: "zoom", value: scale }, background: "white", font: SANS_SERIF });
  return resvg.render().asPng();
}
