/**
 * fromJSONL(path): a JSON Lines file (one JSON value per line) as a pipeline
 * source, streamed in constant memory. Blank lines are skipped. Followed by
 * worker stages, it is read by the threads themselves (jsonl-ranges.ts).
 */
import { createReadStream, type ReadStream } from "node:fs";
import { describe } from "../errors";
import { Pipeline } from "../pipeline";
import { checkPath } from "../sinks/export-options";
import { Source, type ThreadReadable } from "../stages/source";
import { jsonlRanges } from "./jsonl-ranges";
import { cutsIntoRanges, RANGE_BYTES } from "./file-ranges";
import { StreamRecords } from "./stream-records";

const WHO = "fromJSONL()";

class JsonlRecords extends StreamRecords {
  private lines: string[] = [];
  private next_ = 0;
  private rest = "";
  /** The line number of lines[0]. */
  private firstLine = 1;

  constructor(
    private readonly path: string,
    file: ReadStream,
  ) {
    super(file, () => file.destroy());
  }

  protected take(): { value: unknown } | undefined {
    for (;;) {
      while (this.next_ < this.lines.length) {
        const at = this.next_++;
        const line = this.lines[at]!;
        if (line.trim() === "") continue;
        try {
          return { value: JSON.parse(line) };
        } catch (error) {
          throw new Error(`${WHO}: "${this.path}" line ${this.firstLine + at}: ${(error as Error).message}`, { cause: error });
        }
      }
      const chunk = this.stream.read() as string | null;
      if (chunk === null && !(this.ended && this.rest !== "")) return undefined;
      this.firstLine += this.lines.length;
      if (chunk === null) {
        // The end of the file: its last line has no newline after it.
        this.lines = [this.rest];
        this.rest = "";
      } else {
        this.lines = (this.rest + chunk).split(/\r?\n/);
        this.rest = this.lines.pop()!;
      }
      this.next_ = 0;
    }
  }

  protected describe(error: Error): Error {
    return new Error(`${WHO}: cannot read "${this.path}": ${error.message}`, { cause: error });
  }
}

/**
 * A JSON Lines file as a source: one JSON value per line, read as the
 * pipeline pulls and re-read by every run.
 * @example await fromJSONL("events.jsonl").filter((e) => e.level === "error").toArray()
 */
export function fromJSONL<T = unknown>(path: string, options: { encoding?: BufferEncoding } = {}): Pipeline<T> {
  checkPath(WHO, path);
  if (typeof options !== "object" || options === null) throw new TypeError(`${WHO}: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) if (key !== "encoding") throw new TypeError(`${WHO}: unknown option "${key}" (known: encoding)`);
  const { encoding = "utf8" } = options;
  if (typeof encoding !== "string" || !Buffer.isEncoding(encoding))
    throw new TypeError(`${WHO}: option "encoding" must be a Node encoding, got ${describe(encoding)}`);
  const open = () => new JsonlRecords(path, createReadStream(path, { encoding }));
  return new Pipeline<T, never>({ source: new Source(open, false, inThreads(path, encoding)), steps: [] });
}

/** How worker threads read the file themselves, range by range; only where a line break is one byte. */
function inThreads(path: string, encoding: BufferEncoding): ThreadReadable | undefined {
  if (!cutsIntoRanges(encoding)) return undefined;
  return {
    reader: { module: require.resolve("./jsonl-ranges"), export: "readJsonlRange", context: { jsonlFile: { path, encoding } } },
    ranges: () =>
      jsonlRanges(path, RANGE_BYTES).catch((error: Error) => Promise.reject(new Error(`${WHO}: cannot read "${path}": ${error.message}`, { cause: error }))),
  };
}
