/**
 * The small HTML pieces the rich views share. Output is inline-styled HTML
 * with no scripts, so it renders the same in JupyterLab, VS Code, nbconvert
 * and GitHub (which strip scripts and `<style>` blocks alike).
 */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface HtmlCell {
  html: string;
  /** Right-aligned (numbers). */
  numeric?: boolean;
  style?: string;
}

/** A column of htmlTable(): a plain string is a title alone. */
export interface HtmlColumn {
  title: string;
  /** What the title means, shown on hover (for short titles). */
  tooltip?: string;
  /** The header right-aligned over numbers. */
  numeric?: boolean;
  /**
   * The column's width in `ch` (digits are 1ch wide with tabular-nums): room for the largest
   * plausible value, so a live table keeps its columns still while its numbers grow.
   */
  widthCh?: number;
  /** Text past this many `ch` wraps (long names, notes) instead of widening the table. */
  wrapCh?: number;
}

const PAD = "padding:2px 4px";
const CELL = `${PAD};border-bottom:1px solid #ddd;white-space:nowrap`;

const asColumn = (column: string | HtmlColumn): HtmlColumn => (typeof column === "string" ? { title: column } : column);

function columnStyle(column: HtmlColumn): string {
  if (column.widthCh !== undefined) return `;width:${column.widthCh}ch`;
  // break-word: a word is cut only when it alone is wider than the column.
  if (column.wrapCh !== undefined) return `;max-width:${column.wrapCh}ch;white-space:normal;overflow-wrap:break-word`;
  return "";
}

/**
 * A table with a header row; cells are HTML already escaped by the caller. Digits are tabular
 * (all one width), numbers right-aligned; the table is as wide as its content, never wider than
 * its container (it scrolls sideways there rather than being cut off), and left-aligned (a
 * notebook's own styles would centre it, so a table that changed width would move).
 */
export function htmlTable(columns: Array<string | HtmlColumn>, rows: HtmlCell[][], rowStyle: (row: number) => string = () => ""): string {
  const cols = columns.map(asColumn);
  const head = cols
    .map((c) => {
      const title = c.tooltip ? ` title="${escapeHtml(c.tooltip)}"` : "";
      // Headers may wrap at their spaces ("p50 ms"), so a title never sets its column's width.
      const style = `${PAD};border-bottom:1px solid #999;white-space:normal;vertical-align:bottom;text-align:${c.numeric ? "right" : "left"};font-weight:600${columnStyle(c)}`;
      return `<th style="${style}"${title}>${escapeHtml(c.title)}</th>`;
    })
    .join("");
  const body = rows
    .map((cells, r) => {
      const tds = cells
        .map((c, i) => {
          const column = cols[i];
          const wrap = column?.wrapCh !== undefined ? columnStyle(column) : "";
          return `<td style="${CELL};text-align:${c.numeric ? "right" : "left"}${wrap}${c.style ? `;${c.style}` : ""}">${c.html}</td>`;
        })
        .join("");
      const style = rowStyle(r);
      return `<tr${style ? ` style="${style}"` : ""}>${tds}</tr>`;
    })
    .join("");
  return (
    `<div style="max-width:100%;overflow-x:auto">` +
    `<table style="border-collapse:collapse;margin:0;font-family:monospace;font-size:12px;font-variant-numeric:tabular-nums">` +
    `<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`
  );
}
