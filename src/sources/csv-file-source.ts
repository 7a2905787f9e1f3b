/**
 * fromCSV(path): a CSV file as a pipeline source, streamed (constant memory
 * however large the file) through createCsvRows, which casts values while it
 * builds each row. Values stay strings unless asked to be parsed, so "007"
 * stays "007".
 */
import { createReadStream, type ReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Pipeline } from "../pipeline";
import { checkPath } from "../sinks/export-options";
import { Source, type ThreadReadable } from "../stages/source";
import type { CsvRangeItem } from "./csv-range-reader";
import { csvRanges } from "./csv-ranges";
import { csvFileError } from "./csv-rows";
import { cutsIntoRanges, RANGE_BYTES } from "./file-ranges";
import { CsvRowParser, type OnCsvRow } from "./csv-scanner";
import { csvSettings, type CsvSettings, type CsvSourceOptions, unknownCastColumn } from "./csv-settings";
import { StreamRecords } from "./stream-records";

export type { CsvCast, CsvSourceOptions } from "./csv-settings";

const WHO = "fromCSV()";

class CsvRecords extends StreamRecords {
  /** Rows parsed from the chunks read so far, handed out one by one. */
  private rows: unknown[] = [];
  private next_ = 0;
  private flushed = false;
  private readonly onRow: OnCsvRow = (row) => {
    this.rows.push(row);
  };

  constructor(
    private readonly path: string,
    private readonly file: ReadStream,
    private readonly parser: CsvRowParser,
  ) {
    super(file, () => file.destroy());
  }

  protected take(): { value: unknown } | undefined {
    for (;;) {
      if (this.next_ < this.rows.length) {
        const value = this.rows[this.next_];
        this.rows[this.next_++] = undefined;
        return { value };
      }
      this.rows.length = 0;
      this.next_ = 0;
      // One chunk at a time, and only once its rows are taken: memory stays at a chunk's worth.
      const text = this.stream.read() as string | null;
      try {
        if (text !== null) this.parser.push(text, this.onRow);
        else if (this.ended && !this.flushed) {
          this.flushed = true;
          this.parser.end(this.onRow);
        } else return undefined;
      } catch (error) {
        // The consumer will not call return() after a failed next(): close the file here.
        this.file.destroy();
        const failure = this.describe(error as Error);
        this.fail(failure);
        throw failure;
      }
    }
  }

  protected describe(error: Error): Error {
    return csvFileError(this.path, error);
  }
}

/**
 * A CSV file as a source, read as the pipeline pulls (a 1 GB file in constant
 * memory) and re-read by every run. Rows are objects keyed by the header;
 * with `cast`, name the row type you expect. RFC 4180: quoted fields may hold
 * delimiters, quotes and line breaks; lines end with LF or CRLF; empty lines
 * are skipped (in a one-column file they are rows with an empty value).
 * @example await fromCSV<{ id: string; amount: number }>("orders.csv", { cast: { amount: "number" } }).filter((o) => o.amount > 100).toArray()
 * @example fromCSV("data.tsv", { delimiter: "\t", cast: true })
 */
export function fromCSV(path: string, options: CsvSourceOptions & { header: false; columns?: undefined }): Pipeline<string[]>;
export function fromCSV(path: string, options?: CsvSourceOptions & { cast?: false }): Pipeline<Record<string, string>>;
export function fromCSV<T extends object = Record<string, unknown>>(path: string, options?: CsvSourceOptions): Pipeline<T>;
export function fromCSV(path: string, options?: CsvSourceOptions): Pipeline<unknown> {
  checkPath(WHO, path);
  const settings = csvSettings(WHO, options);
  const open = () => {
    const file = createReadStream(path, { encoding: settings.encoding });
    return new CsvRecords(path, file, new CsvRowParser(settings));
  };
  return new Pipeline({ source: new Source(open, false, inThreads(path, settings)), steps: [] });
}

/** How worker threads read the file themselves, range by range (csv-range-reader.ts). */
function inThreads(path: string, settings: CsvSettings): ThreadReadable | undefined {
  if (!cutsIntoRanges(settings.encoding)) return undefined;
  const { header, columns, delimiter, cast, encoding } = settings;
  return {
    reader: { module: require.resolve("./csv-range-reader"), export: "readCsvRange", context: { csvFile: { path, delimiter, cast, encoding } } },
    async ranges(workers: number): Promise<CsvRangeItem[]> {
      const size = (await stat(path).catch((error: Error) => Promise.reject(new Error(`${WHO}: cannot read "${path}": ${error.message}`, { cause: error }))))
        .size;
      const layout = await csvRanges(path, Math.max(workers * 2, Math.ceil(size / RANGE_BYTES)), { header, delimiter, encoding });
      const names = columns ?? layout.header;
      const problem = names && unknownCastColumn(cast, names);
      if (problem) throw new Error(`${WHO}: "${path}" line 1: ${problem}`);
      return layout.ranges.map((range) => ({ ...range, columns: names, fields: layout.fields, newline: layout.newline }));
    },
  };
}
