/**
 * The cells this kernel has run, as written and as compiled, so a stack frame
 * can be told in the person's terms: "cell [3], line 5", with the line's code.
 * A cell's compiled code carries `//# sourceURL=cell[3]`, so frames of code
 * run in the kernel name it; a function that ran in a worker thread is found by
 * its source text, which is a piece of some cell's compiled code.
 */
const KEPT_CELLS = 200;
/** Shorter compiled lines (`}`, `return x;`) are too common to be placed by being part of a line. */
const MIN_PARTIAL = 12;

interface Cell {
  count: number;
  source: string;
  js: string;
}

/** Where a frame's code was written. */
export interface CellPlace {
  /** "cell [3], line 5", or "cell [3]" when the line cannot be told for sure. */
  where: string;
  /** The code on that line: as written when the line is placed, else as compiled (types removed). */
  code: string;
}

export class CellBook {
  private readonly cells: Cell[] = [];

  /** Records a cell; returns the name its compiled code should carry as sourceURL. */
  add(count: number, source: string, js: string): string {
    this.cells.push({ count, source, js });
    if (this.cells.length > KEPT_CELLS) this.cells.shift();
    return cellUrl(count);
  }

  /** The place of line `line` (1-based) of the compiled cell named `url`. */
  placeOfCompiled(url: string, line: number): CellPlace | undefined {
    for (let i = this.cells.length - 1; i >= 0; i--) {
      if (cellUrl(this.cells[i]!.count) === url) return place(this.cells[i]!, line - 1);
    }
    return undefined;
  }

  /** The place of line `line` (1-based) of a function whose source text is `source`. */
  placeInFunction(source: string, line: number): CellPlace | undefined {
    for (let i = this.cells.length - 1; i >= 0; i--) {
      const cell = this.cells[i]!;
      const at = cell.js.indexOf(source);
      if (at < 0) continue;
      const firstLine = cell.js.slice(0, at).split("\n").length - 1;
      return place(cell, firstLine + line - 1);
    }
    return undefined;
  }
}

/** The sourceURL of the cell with this execution count. */
export function cellUrl(count: number): string {
  return `cell[${count}]`;
}

function place(cell: Cell, jsLineIndex: number): CellPlace | undefined {
  const compiled = cell.js.split("\n")[jsLineIndex];
  if (compiled === undefined) return undefined;
  // tslab reprints the cell, so compiled lines do not line up with the cell's. A line that reads the
  // same once tslab's additions are taken out, and only once in the cell, is placed and shown as
  // written; otherwise the cell is named and the compiled line shown without tslab's additions.
  const code = readable(compiled);
  const lines = cell.source.split("\n").map(readable);
  let matches = lines.flatMap((text, i) => (code !== "" && text === code ? [i + 1] : []));
  // A statement tslab moved to a line of its own (`if (x) throw e;`) is still inside the line written.
  if (matches.length === 0 && code.length >= MIN_PARTIAL) matches = lines.flatMap((text, i) => (text.includes(code) ? [i + 1] : []));
  if (matches.length === 1) return { where: `cell [${cell.count}], line ${matches[0]}`, code: cell.source.split("\n")[matches[0]! - 1]!.trim() };
  return { where: `cell [${cell.count}]`, code };
}

/** A line without tslab's `exports.` and last-expression variable, whitespace collapsed. */
function readable(line: string): string {
  return line
    .replace(/^\s*exports\.tsLastExpr\d* = /, "")
    .replace(/\bexports\./g, "")
    .replace(/\s+/g, " ")
    .trim();
}
