"use strict";
// What test/browser.test.js checks in a notebook as the page shows it (the cells read by
// page.js's readCells): each function returns the problems found, as messages that name the
// notebook and the cell and quote what it shows.

const firstLine = (source) => JSON.stringify(source.split("\n")[0].slice(0, 80));
const where = (name, cell) => `${name} cell ${cell.index} (${firstLine(cell.source)})`;
const quote = (text) => JSON.stringify(text.length > 1200 ? `${text.slice(0, 1200)}…` : text);
const STACK_LINE = /^\s{4}at /m;

/** A run's identity in its table: the status line, and each stage's name and counts. */
function runKey(tableText) {
  const lines = tableText.split("\n").filter((l) => l.trim() !== "");
  const rows = lines.filter((l) => l.includes("\t")).map((l) => l.split("\t").slice(0, 6).join("|"));
  return `${lines[0]}\n${rows.join("\n")}`;
}

function errorOutputs(name, cells) {
  const problems = [];
  for (const cell of cells.filter((c) => c.type === "code")) {
    if (typeof cell.prompt !== "number") problems.push(`${where(name, cell)} did not run (prompt ${JSON.stringify(cell.prompt)})`);
    for (const out of cell.outputs) {
      if (/\boutput_error\b/.test(out.kind)) problems.push(`${where(name, cell)} shows an error: ${quote(out.text)}`);
      else if (/\boutput_stderr\b/.test(out.kind))
        problems.push(`${where(name, cell)} writes to stderr${STACK_LINE.test(out.text) ? " (with a stack)" : ""}: ${quote(out.text)}`);
    }
  }
  return problems;
}

function chartProblems(name, cells) {
  const problems = [];
  for (const cell of cells.filter((c) => c.type === "code")) {
    const images = cell.outputs.flatMap((o) => o.images);
    for (const image of images) {
      if (image.width <= 100 || image.height <= 100) problems.push(`${where(name, cell)}: an <${image.tag}> drawn at ${image.width}x${image.height} px`);
    }
    const expected = (cell.source.match(/\.chart\(/g) ?? []).length;
    const drawn = images.filter((i) => i.width > 100 && i.height > 100).length;
    if (drawn < expected) {
      const shown = cell.outputs.map((o) => `[${o.kind}] ${o.text.slice(0, 200)}`).join(" | ");
      problems.push(`${where(name, cell)} asks for ${expected} chart(s) and shows ${drawn} as an image or SVG; it shows: ${quote(shown)}`);
    }
  }
  return problems;
}

function tableProblems(name, cells) {
  const problems = [];
  for (const cell of cells.filter((c) => c.type === "code")) {
    const tables = cell.outputs.flatMap((o) => o.tables);
    const seen = new Map();
    for (const table of tables) {
      const key = runKey(table);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if (/^pipelab run: running\b/.test(table)) problems.push(`${where(name, cell)}: a table still reads "running" after the cell ended: ${quote(table)}`);
    }
    for (const [key, n] of seen) if (n > 1) problems.push(`${where(name, cell)} shows one run's table ${n} times: ${quote(key)}`);
  }
  return problems;
}

module.exports = { STACK_LINE, firstLine, where, quote, runKey, errorOutputs, chartProblems, tableProblems };
