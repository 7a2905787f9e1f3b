/**
 * The CSV scanner behind createCsvRows: RFC 4180 records from text pushed in
 * chunks, each field found with String indexOf (the next delimiter, line
 * break or quote, each searched again only once passed), then built into a
 * row by csv-cast. Records longer than a chunk wait, so a long field is not
 * scanned once per chunk.
 */
import { own, rowBuilder, type RowBuilder } from "./csv-cast";
import { unknownCastColumn, type CsvSettings } from "./csv-settings";

/** A record the parser cannot read, or a value its cast refused: `line` is where the record starts. */
export class CsvError extends Error {
  /** Stable code, as Node's errors have. */
  readonly code = "ERR_PIPELAB_CSV";
  constructor(
    /** The line (1-based, counting every line break of the text) the record starts on. */
    readonly line: number,
    /** What is wrong, without the line. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`line ${line}: ${reason}`, options);
    this.name = "CsvError";
  }
}

/** Receives each row and the line its record starts on. */
export type OnCsvRow = (row: unknown, line: number) => void;

/** A CSV parser fed text in chunks of any size. Errors are CsvErrors; a throw from `onRow` ends the parse. */
export interface CsvRows {
  /** Parses the complete records of `text` (after what came before); the rest waits for the next push. */
  push(text: string, onRow: OnCsvRow): void;
  /** The text has ended: parses the last record (which needs no line break). */
  end(onRow: OnCsvRow): void;
  /** The column names, once known (from `columns` or the header). */
  readonly columns: readonly string[] | undefined;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** @internal */
export class CsvRowParser implements CsvRows {
  columns: readonly string[] | undefined;
  private readonly delimiter: string;
  private readonly cast: CsvSettings["cast"];
  /** "\n" (a CR before it is dropped) or "\r"; "" until the first line break is seen. */
  private newline: string;
  /** Text not parsed yet: an incomplete record, then chunks waiting for it to grow. */
  private tail = "";
  private waiting: string[] = [];
  private waitingLength = 0;
  /** The line `tail` starts on. */
  private line: number;
  private bom: boolean;
  /** The next record is the header: it names the columns, or is skipped when `columns` are given. */
  private header: boolean;
  /** Fields per record; -1 until the first record tells. */
  private width: number;
  private build: RowBuilder | undefined;
  /** The fields of the record being read, reused for every record. */
  private readonly values: string[] = [];

  constructor(settings: Pick<CsvSettings, "header" | "columns" | "delimiter" | "cast">, line?: number, newline?: string, fields?: number) {
    this.delimiter = settings.delimiter;
    this.cast = settings.cast;
    this.header = settings.header;
    this.line = line ?? 1;
    this.bom = line === undefined;
    this.newline = newline ?? "";
    this.columns = settings.columns;
    this.width = settings.columns?.length ?? fields ?? -1;
    if (settings.columns !== undefined || !settings.header) this.build = rowBuilder(settings.columns, settings.cast);
  }

  push(text: string, onRow: OnCsvRow): void {
    if (this.bom && text !== "") {
      this.bom = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A record longer than what came since is probably still incomplete: wait until the new text is
    // as long as the tail, so a 100 MB field is scanned a few times over, not once per chunk.
    if (this.waitingLength + text.length < this.tail.length) {
      this.waiting.push(text);
      this.waitingLength += text.length;
      return;
    }
    this.parseAll(text, false, onRow);
  }

  end(onRow: OnCsvRow): void {
    this.parseAll("", true, onRow);
  }

  private parseAll(text: string, atEnd: boolean, onRow: OnCsvRow): void {
    let s = this.tail;
    if (this.waiting.length > 0) {
      s += this.waiting.join("");
      this.waiting = [];
      this.waitingLength = 0;
    }
    s += text;
    if (this.newline === "") {
      const newline = firstLineBreak(s, atEnd);
      if (newline === undefined) {
        this.tail = s;
        return;
      }
      this.newline = newline;
    }
    const from = this.parse(s, atEnd, onRow);
    this.tail = from >= s.length ? "" : s.slice(from);
  }

  /** Emits the records of `s` and returns where the incomplete last one starts (s.length when none). */
  private parse(s: string, atEnd: boolean, onRow: OnCsvRow): number {
    const n = s.length;
    const delimiter = this.delimiter;
    const step = delimiter.length;
    const newline = this.newline;
    const lf = newline === "\n";
    const v = this.values;
    let line = this.line;
    // The next line break, delimiter and quote at or after the cursor (n: none left). Each is searched
    // again only once the cursor has passed it, so every character is looked at about once per search.
    let eol = -1;
    let nd = -1;
    let nq = -1;
    let p = 0;
    // The line p is on (`line` runs ahead inside a record that may turn out incomplete).
    let lineAtP = line;
    records: while (p < n) {
      if (eol < p) eol = indexOr(s, newline, p, n);
      if (nq < p) nq = indexOr(s, '"', p, n);
      let k = 0;
      let next: number;
      const start = line;
      if (nq > eol) {
        // No quote before the line ends: split the line at delimiters.
        if (eol === n && !atEnd) break;
        let end = eol;
        if (lf && end > p && s.charCodeAt(end - 1) === CR) end--;
        next = eol + 1;
        line++;
        if (end === p) {
          // An empty line is a record only where one empty field is a whole record.
          if (this.width !== 1) {
            p = next;
            lineAtP = line;
            continue;
          }
          v[k++] = "";
        } else {
          let f = p;
          for (;;) {
            if (nd < f) nd = indexOr(s, delimiter, f, n);
            if (nd >= end) {
              v[k++] = s.slice(f, end);
              break;
            }
            v[k++] = s.slice(f, nd);
            f = nd + step;
          }
        }
      } else {
        // A quote on this line: field by field, quoted fields possibly spanning lines.
        let f = p;
        for (;;) {
          if (f < n && s.charCodeAt(f) === QUOTE) {
            const a = f + 1;
            let c = a;
            let z: number;
            let doubled = false;
            for (;;) {
              z = s.indexOf('"', c);
              if (z === -1) {
                if (atEnd) throw new CsvError(start, "Quote Not Closed: the file ends inside a quoted field");
                break records;
              }
              if (z + 1 < n) {
                if (s.charCodeAt(z + 1) !== QUOTE) break;
                c = z + 2;
                doubled = true;
              } else if (atEnd) break;
              else break records;
            }
            const after = z + 1;
            // Decide what follows the closing quote only with two characters in view (CR LF; a delimiter of two code units).
            if (after + 1 >= n && !atEnd) break records;
            if (eol < a) eol = indexOr(s, newline, a, n);
            while (eol < z) {
              line++;
              eol = indexOr(s, newline, eol + 1, n);
            }
            const text = s.slice(a, z);
            v[k++] = doubled ? text.replaceAll('""', '"') : text;
            if (after >= n) {
              next = n;
              line++;
              break;
            }
            if (s.startsWith(delimiter, after)) {
              f = after + step;
              continue;
            }
            const c0 = s.charCodeAt(after);
            if (c0 === (lf ? LF : CR)) {
              next = after + 1;
              line++;
              break;
            }
            if (lf && c0 === CR && (after + 1 === n || s.charCodeAt(after + 1) === LF)) {
              next = after + 2;
              line++;
              break;
            }
            throw new CsvError(start, `Invalid Closing Quote: got ${JSON.stringify(s[after])} after a closing quote instead of a delimiter or a line break`);
          }
          if (eol < f) eol = indexOr(s, newline, f, n);
          if (eol === n && !atEnd) break records;
          if (nd < f) nd = indexOr(s, delimiter, f, n);
          if (nq < f) nq = indexOr(s, '"', f, n);
          let end = nd;
          if (nd >= eol) {
            end = eol;
            if (lf && end > f && s.charCodeAt(end - 1) === CR) end--;
          }
          if (nq < end) throw new CsvError(start, `Invalid Opening Quote: a quote inside the unquoted field ${JSON.stringify(s.slice(f, end))}`);
          v[k++] = s.slice(f, end);
          if (nd < eol) {
            f = nd + step;
            continue;
          }
          next = eol + 1;
          line++;
          break;
        }
      }
      p = next;
      lineAtP = line;
      this.emit(k, start, onRow);
    }
    this.line = lineAtP;
    return p;
  }

  private emit(k: number, line: number, onRow: OnCsvRow): void {
    const v = this.values;
    if (this.header) {
      this.header = false;
      if (this.columns !== undefined) return;
      const columns = v.slice(0, k).map(own);
      const problem = unknownCastColumn(this.cast, columns);
      if (problem !== undefined) throw new CsvError(line, problem);
      this.columns = columns;
      this.width = k;
      this.build = rowBuilder(columns, this.cast);
      return;
    }
    if (k !== this.width) {
      if (this.width !== -1) throw new CsvError(line, `Invalid Record Length: expected ${this.width} fields, got ${k}`);
      this.width = k;
    }
    let row: unknown;
    try {
      row = this.build!(v, k);
    } catch (error) {
      throw new CsvError(line, (error as Error)?.message ?? String(error), { cause: error });
    }
    onRow(row, line);
  }
}

function indexOr(s: string, what: string, from: number, none: number): number {
  const at = s.indexOf(what, from);
  return at === -1 ? none : at;
}

/**
 * The line break of the first line (outside quotes): "\r" only for a lone CR. Undefined while the
 * text so far cannot tell; "\n" for a text with no line break at all.
 */
function firstLineBreak(s: string, atEnd: boolean): "\n" | "\r" | undefined {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && c === LF) return "\n";
    else if (!quoted && c === CR) {
      if (i + 1 < s.length) return s.charCodeAt(i + 1) === LF ? "\n" : "\r";
      return atEnd ? "\r" : undefined;
    }
  }
  return atEnd ? "\n" : undefined;
}
