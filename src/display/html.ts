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

const CELL = "padding:2px 8px;border-bottom:1px solid #ddd;white-space:nowrap";

/** A table with a header row; cells are HTML already escaped by the caller. */
export function htmlTable(headers: string[], rows: HtmlCell[][], rowStyle: (row: number) => string = () => ""): string {
  const head = headers.map((h) => `<th style="${CELL};text-align:left;font-weight:600">${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map((cells, r) => {
      const tds = cells.map((c) => `<td style="${CELL};text-align:${c.numeric ? "right" : "left"}${c.style ? `;${c.style}` : ""}">${c.html}</td>`).join("");
      const style = rowStyle(r);
      return `<tr${style ? ` style="${style}"` : ""}>${tds}</tr>`;
    })
    .join("");
  return `<table style="border-collapse:collapse;font-family:monospace;font-size:12px"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
