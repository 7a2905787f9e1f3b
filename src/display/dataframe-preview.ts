/**
 * A DataFrame preview: its shape and first rows as an HTML table (and as
 * text), for notebooks and for an HTML file from plain Node. Works on any
 * danfojs DataFrame without loading danfojs itself, and on apache-arrow
 * Tables and nodejs-polars DataFrames (columnar-preview.ts) without loading those.
 */
import { writeFile } from "node:fs/promises";
import { inspect } from "node:util";
import { columnarFrame } from "./columnar-preview";
import { escapeHtml, htmlTable } from "./html";
import { type Displayable, hasDisplayProtocol, installDisplayProtocol, type MimeBundle } from "./mime-bundle";

/** The part of a danfojs DataFrame a preview reads. */
export interface DataFrameLike {
  readonly shape: number[];
  readonly columns: string[];
  head(rows?: number): { values: unknown[] | unknown[][]; index: Array<string | number> };
}

/** @internal True for a danfojs DataFrame (or anything with its shape, columns and head). */
export function isDataFrameLike(value: unknown): value is DataFrameLike {
  const v = value as Partial<DataFrameLike> | null;
  return typeof v === "object" && v !== null && Array.isArray(v.shape) && v.shape.length === 2 && Array.isArray(v.columns) && typeof v.head === "function";
}

/**
 * A number as a person reads it in a preview: integers whole, fractions to at most 4 decimals
 * (998.9190404797602 shows as 998.919), and under 1 to 4 significant digits, so 0.000123456
 * keeps its digits (0.0001235). Only the preview is rounded; the DataFrame keeps its values.
 * @internal
 */
export function readableNumber(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const text = abs >= 1 ? n.toFixed(4) : n.toPrecision(4);
  // Trailing zeros of the fraction (and a bare point) say nothing: 2.5000 -> 2.5, 1.0000 -> 1. Exponents are left alone.
  return /e/i.test(text) ? text : text.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

const cellText = (value: unknown) =>
  typeof value === "string" ? value : typeof value === "number" ? readableNumber(value) : inspect(value, { breakLength: Infinity });

export class DataFramePreview implements Displayable {
  /**
   * @param frame the DataFrame
   * @param rows how many of its first rows to show (default 10)
   * @param title what the caption calls it (default "DataFrame")
   */
  constructor(
    readonly frame: DataFrameLike,
    readonly rows = 10,
    readonly title = "DataFrame",
  ) {
    if (!isDataFrameLike(frame)) throw new TypeError("DataFramePreview: expected a danfojs DataFrame");
    if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`DataFramePreview: "rows" must be a positive integer, got ${rows}`);
  }

  private firstRows(): { index: Array<string | number>; cells: string[][] } {
    const head = this.frame.head(Math.min(this.rows, this.frame.shape[0]!));
    const values = (head.values as unknown[]).map((row) => (Array.isArray(row) ? row : [row]));
    return { index: head.index, cells: values.map((row) => row.map(cellText)) };
  }

  private caption(): string {
    const [rows, columns] = this.frame.shape as [number, number];
    const shown = Math.min(this.rows, rows);
    return `${this.title}: ${rows.toLocaleString("en-US")} rows x ${columns} columns${shown < rows ? ` (first ${shown} shown)` : ""}`;
  }

  toHtml(): string {
    if (this.frame.shape[0] === 0) return `<div style="font-family:sans-serif;font-size:13px">${escapeHtml(this.caption())}</div>`;
    const { index, cells } = this.firstRows();
    const rows = cells.map((row, r) => [
      { html: escapeHtml(String(index[r])), style: "color:#888" },
      ...row.map((text) => ({ html: escapeHtml(text), numeric: /^-?[\d.,e+-]+$/i.test(text) })),
    ]);
    const table = htmlTable(["", ...this.frame.columns], rows);
    return `<div class="pipelab-dataframe" style="font-family:sans-serif;font-size:13px"><div>${escapeHtml(this.caption())}</div>${table}</div>`;
  }

  toText(): string {
    if (this.frame.shape[0] === 0) return this.caption();
    const { index, cells } = this.firstRows();
    const grid = [["", ...this.frame.columns], ...cells.map((row, r) => [String(index[r]), ...row])];
    const widths = grid[0]!.map((_, c) => Math.max(...grid.map((row) => row[c]!.length)));
    return [
      this.caption(),
      ...grid.map((row) =>
        row
          .map((v, c) => v.padEnd(widths[c]!))
          .join("  ")
          .trimEnd(),
      ),
    ].join("\n");
  }

  toMimeBundle(): MimeBundle {
    return { "text/plain": this.toText(), "text/html": this.toHtml() };
  }

  /**
   * Writes the preview as an HTML page, to open from plain Node.
   * @example await new DataFramePreview(df).save("preview.html")
   */
  async save(path: string): Promise<void> {
    if (typeof path !== "string" || !/\.html?$/i.test(path)) throw new TypeError(`DataFramePreview.save(): path must end in .html, got ${inspect(path)}`);
    await writeFile(path, `<!doctype html><meta charset="utf-8"><title>${escapeHtml(this.caption())}</title>${this.toHtml()}\n`);
  }

  [inspect.custom](): string {
    return this.toText();
  }
}
installDisplayProtocol(DataFramePreview);

/**
 * @internal What a value displays as when it has no display method of its own: DataFrames as a
 * preview. Arrow Tables and polars DataFrames too, although polars's has one: its bundle has no
 * text/plain (a text front end shows nothing), no shape, and 50 rows twice (HTML and JSON).
 */
export function asDisplayable(value: unknown): Displayable | undefined {
  const columnar = columnarFrame(value);
  if (columnar) return new DataFramePreview(columnar.frame, 10, columnar.title);
  return isDataFrameLike(value) && !hasDisplayProtocol(value) ? new DataFramePreview(value) : undefined;
}
