/**
 * fromJSON(path): the elements of a JSON array (the file's top level, or the
 * array under a dotted key path) as a pipeline source, parsed by stream-json
 * chunk by chunk as the pipeline pulls: memory holds a chunk's elements,
 * never the file.
 *
 * stream-json's pieces are driven by hand, synchronously (its tokenizer, its
 * `pick` filter, its `streamArray` assembler: each is a function of one token
 * that answers with stream-chain's `none`, one value or `many(values)`), so a
 * chunk's elements are ready in the same turn the chunk is read.
 */
import { createReadStream, type ReadStream } from "node:fs";
import { describe } from "../errors";
import { Pipeline } from "../pipeline";
import { checkPath } from "../sinks/export-options";
import { Source } from "../stages/source";
import { StreamRecords } from "./stream-records";

const WHO = "fromJSON()";

export interface JsonSourceOptions {
  /**
   * The array to read, as keys joined by dots ("data.items"; an array index is a key too: "pages.0.rows").
   * @defaultValue the top level
   */
  path?: string;
}

/** One stage of stream-json: a token (or text, or the end: NONE) in; NONE, one value or many() out. */
type Stage = (input: unknown) => unknown;

// stream-chain's markers are registered symbols, part of its documented protocol.
const NONE = Symbol.for("object-stream.none");
const STOP = Symbol.for("object-stream.stop");
const MANY = Symbol.for("object-stream.many");

/** Characters per call of the tokenizer: where the JSON is invalid is told to within this many. */
const SLICE = 4096;

interface Token {
  name: string;
  value?: unknown;
}

const importAll = () =>
  Promise.all([import("stream-json/core/parser.js"), import("stream-json/core/filters/pick.js"), import("stream-json/core/streamers/stream-array.js")]);
let loading: ReturnType<typeof importAll> | undefined;

/** The values a stage answered with. */
function outputs(answer: unknown): readonly unknown[] {
  if (answer === NONE || answer === STOP) return [];
  if (typeof answer === "object" && answer !== null && (answer as Record<symbol, unknown>)[MANY] === 1) return (answer as { values: unknown[] }).values;
  return [answer];
}

const KINDS: Record<string, string> = {
  startObject: "an object",
  startString: "a string",
  stringValue: "a string",
  startNumber: "a number",
  numberValue: "a number",
  trueValue: "a boolean",
  falseValue: "a boolean",
  nullValue: "null",
};

class JsonArrayRecords extends StreamRecords {
  private items: unknown[] = [];
  private next_ = 0;
  private flushed = false;
  /** Characters fed to the tokenizer before the current slice, and after it. */
  private sliceStart = 0;
  private fed = 0;
  private elements = 0;
  private state: "before" | "inside" | "after" = "before";
  private depth = 0;
  /** The file's error, thrown once the elements read before it are taken. */
  private broken: Error | undefined;

  constructor(
    private readonly path: string,
    private readonly file: ReadStream,
    private readonly keyPath: string | undefined,
    private readonly tokenize: Stage,
    private readonly pick: Stage | undefined,
    private readonly assemble: Stage,
  ) {
    super(file, () => file.destroy());
  }

  protected take(): { value: unknown } | undefined {
    for (;;) {
      if (this.next_ < this.items.length) {
        const value = this.items[this.next_];
        this.items[this.next_++] = undefined;
        return { value };
      }
      this.items.length = 0;
      this.next_ = 0;
      if (this.broken) throw this.broken;
      // One chunk at a time, and only once its elements are taken: memory stays at a chunk's worth.
      const text = this.stream.read() as string | null;
      try {
        if (text !== null) this.feed(this.fed === 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
        else if (this.ended && !this.flushed) {
          this.flushed = true;
          this.feed(NONE);
          this.checkEnd();
        } else return undefined;
      } catch (error) {
        // The consumer will not call return() after a failed next(): close the file here. The
        // elements read before the error are handed on first.
        this.file.destroy();
        this.broken = this.named(error as Error);
      }
    }
  }

  /** A chunk of text, fed to the tokenizer in slices so that an error's place is known within a slice. */
  private feed(text: string | typeof NONE): void {
    if (text === NONE) return this.feedSlice(NONE);
    for (let at = 0; at < text.length; at += SLICE) this.feedSlice(text.slice(at, at + SLICE));
  }

  private feedSlice(text: string | typeof NONE): void {
    this.sliceStart = this.fed;
    if (text !== NONE) this.fed += text.length;
    let tokens: readonly unknown[];
    try {
      tokens = outputs(this.tokenize(text));
    } catch (error) {
      const where = text === NONE ? `at its end (character ${this.fed})` : `in characters ${this.sliceStart}–${this.fed - 1}`;
      const before = `${this.elements} array element${this.elements === 1 ? "" : "s"} read before it`;
      throw new Error(`${WHO}: "${this.path}" is not valid JSON ${where}, ${before}: ${(error as Error).message}`, { cause: error });
    }
    for (const token of tokens) {
      if (this.state === "after") return;
      if (this.pick) for (const picked of outputs(this.pick(token))) this.element(picked as Token);
      else this.element(token as Token);
    }
  }

  /** A token of the array (once picked): opening it, inside it, or closing it. */
  private element(token: Token): void {
    if (this.state === "after") return;
    if (this.state === "before") {
      if (token.name !== "startArray") {
        const kind = KINDS[token.name] ?? `a ${token.name}`;
        if (this.keyPath !== undefined) throw new Error(`${WHO}: "${this.path}": the value at "${this.keyPath}" is ${kind}, not an array`);
        throw new Error(`${WHO}: "${this.path}": the top level is ${kind}, not an array; to read an array inside it, pass { path: "key" }`);
      }
      this.state = "inside";
    }
    if (token.name === "startArray" || token.name === "startObject") this.depth++;
    else if (token.name === "endArray" || token.name === "endObject") this.depth--;
    for (const item of outputs(this.assemble(token))) {
      this.items.push((item as { value: unknown }).value);
      this.elements++;
    }
    if (this.depth === 0) this.state = "after";
  }

  private checkEnd(): void {
    if (this.state === "before") throw new Error(`${WHO}: "${this.path}" has no value at "${this.keyPath}"`);
    if (this.state === "inside") throw new Error(`${WHO}: "${this.path}" ends inside the array, after ${this.elements} elements: it is truncated`);
  }

  private named(error: Error): Error {
    return error.message.startsWith(WHO) ? error : new Error(`${WHO}: "${this.path}": ${error.message}`, { cause: error });
  }

  protected describe(error: Error): Error {
    return new Error(`${WHO}: cannot read "${this.path}": ${error.message}`, { cause: error });
  }
}

/**
 * Opens the records once stream-json is loaded (on the first run: it is ESM only). Until then
 * next() waits for the load; return() before it leaves the file unopened.
 */
class LoadingRecords implements AsyncIterableIterator<unknown> {
  private records: JsonArrayRecords | undefined;
  private stopped = false;
  private readonly ready: Promise<JsonArrayRecords | undefined>;

  constructor(path: string, keyPath: string | undefined) {
    this.ready = (loading ??= importAll()).then(([{ jsonParser }, { pick }, { streamArray }]) => {
      if (this.stopped) return undefined;
      const tokenize = jsonParser({ streamValues: false }) as Stage;
      const picker = keyPath === undefined ? undefined : (pick({ filter: keyPath, once: true }) as Stage);
      this.records = new JsonArrayRecords(path, createReadStream(path, { encoding: "utf8" }), keyPath, tokenize, picker, streamArray() as Stage);
      return this.records;
    });
  }

  next(): Promise<IteratorResult<unknown, undefined>> {
    if (this.records) return this.records.next();
    return this.ready.then((records) => records?.next() ?? { done: true, value: undefined });
  }

  async return(): Promise<IteratorResult<unknown, undefined>> {
    this.stopped = true;
    return this.records ? this.records.return() : { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The elements of a JSON array as a source: the file's top level, or the array at `path` (keys
 * joined by dots), streamed as the pipeline pulls (memory holds a chunk's elements, not the file),
 * re-read by every run. A file whose top level (or path) is not an array is an error, and so is
 * invalid JSON: the error names the file, the characters where it failed and how many elements
 * came before.
 * @example await fromJSON<{ delay: number }>("flights.json").filter((f) => f.delay > 60).count()
 * @example fromJSON("response.json", { path: "data.items" })
 */
export function fromJSON<T = unknown>(path: string, options: JsonSourceOptions = {}): Pipeline<T> {
  checkPath(WHO, path);
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${WHO}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) if (key !== "path") throw new TypeError(`${WHO}: unknown option "${key}" (known: path)`);
  const { path: keyPath } = options;
  if (keyPath !== undefined && (typeof keyPath !== "string" || keyPath === "" || keyPath.split(".").includes(""))) {
    throw new TypeError(`${WHO}: option "path" must be keys joined by dots, like "data.items", got ${describe(keyPath)}`);
  }
  return new Pipeline<T, never>({ source: new Source(() => new LoadingRecords(path, keyPath), true), steps: [] });
}
