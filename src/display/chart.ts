/**
 * Chart: one Vega-Lite v5 chart of a run. It displays in a notebook as a
 * bundle of Vega-Lite (interactive in JupyterLab, Notebook 7, VS Code), SVG
 * and PNG (for nbconvert HTML, GitHub and untrusted notebooks) and text, and
 * never text/html, which JupyterLab would prefer over the chart. From plain
 * Node it saves to .svg, .png or .vl.json.
 */
import { writeFile } from "node:fs/promises";
import { inspect } from "node:util";
import type { RunSnapshot } from "../stats/snapshot";
import { CHART_KINDS, type ChartKind, chartSpec } from "./chart-specs";
import { type Displayable, installDisplayProtocol, type MimeBundle, withMimeMetadata } from "./mime-bundle";
import { renderSvg, svgSize, svgToPng } from "./vega-render";

/** @internal */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

export class Chart implements Displayable {
  /** The Vega-Lite v5 spec, data inline. */
  readonly spec: object;
  private svg: string | undefined;

  constructor(
    readonly kind: ChartKind,
    stats: RunSnapshot,
  ) {
    if (!CHART_KINDS.includes(kind)) {
      throw new TypeError(`unknown chart ${inspect(kind)}; choose one of ${CHART_KINDS.map((k) => `"${k}"`).join(", ")}`);
    }
    this.spec = chartSpec(kind, stats);
  }

  /** The chart as SVG text (rendered once, then kept). */
  toSVG(): string {
    this.svg ??= renderSvg(this.spec);
    return this.svg;
  }

  /** The chart as a PNG image, at twice its size for sharp display. */
  toPNG(): Buffer {
    return svgToPng(this.toSVG());
  }

  /**
   * The notebook bundle. Its PNG has twice the pixels of the chart, for sharp screens, so the
   * bundle carries the chart's CSS size as the PNG's display metadata (Jupyter's
   * `metadata["image/png"]`): where the PNG is shown (untrusted notebooks, nbconvert, GitHub) it
   * is drawn at the chart's size, not twice it.
   */
  toMimeBundle(): MimeBundle {
    const svg = this.toSVG();
    const { width, height } = svgSize(svg);
    const bundle = {
      [VEGA_LITE_MIME]: this.spec,
      "image/svg+xml": svg,
      "image/png": this.toPNG().toString("base64"),
      "text/plain": this.describe(),
    };
    return withMimeMetadata(bundle, { "image/png": { width, height } });
  }

  /**
   * Writes the chart to a file; the extension picks the format: `.svg`, `.png`
   * or `.vl.json` (the Vega-Lite spec, to open in the Vega editor).
   * @example await stats.chart("throughput").save("throughput.svg")
   */
  async save(path: string): Promise<void> {
    if (typeof path !== "string") throw new TypeError(`Chart.save(): path must be a string, got ${inspect(path)}`);
    if (/\.vl\.json$/i.test(path)) return writeFile(path, `${JSON.stringify(this.spec, null, 2)}\n`);
    if (/\.svg$/i.test(path)) return writeFile(path, this.toSVG());
    if (/\.png$/i.test(path)) return writeFile(path, this.toPNG());
    throw new TypeError(`Chart.save(): cannot tell the format of ${inspect(path)}; end the path in .svg, .png or .vl.json`);
  }

  private describe(): string {
    const { title } = this.spec as { title?: string };
    return `Chart(${this.kind}): ${title ?? ""}`;
  }

  [inspect.custom](): string {
    return this.describe();
  }
}
installDisplayProtocol(Chart);
