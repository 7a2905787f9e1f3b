/**
 * JsonlEncoder: one JSON value per line (JSON Lines), about 64 KB of text per batch.
 */
import { inspect } from "node:util";
import type { RowEncoder } from "./file-export";

const BATCH_CHARS = 64 * 1024;

export class JsonlEncoder implements RowEncoder {
  private text = "";

  /** @param who the call, for messages: `"toJSONL()"` */
  constructor(private readonly who = "toJSONL()") {}

  push(item: unknown, row: number): string | undefined {
    let line: string | undefined;
    try {
      line = JSON.stringify(item);
    } catch (error) {
      throw new TypeError(`${this.who}: row ${row} cannot be written as JSON: ${(error as Error).message}`, { cause: error });
    }
    if (line === undefined) throw new TypeError(`${this.who}: row ${row} is ${inspect(item)}, which has no JSON form`);
    this.text += `${line}\n`;
    return this.text.length >= BATCH_CHARS ? this.flush() : undefined;
  }

  flush(): string {
    const text = this.text;
    this.text = "";
    return text;
  }
}
