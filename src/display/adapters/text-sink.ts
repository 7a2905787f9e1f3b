/**
 * Plain Node: a display is its text/plain form written to stdout. Updates
 * print again, as a log would; there is no entry to rewrite.
 */
import type { MimeBundle } from "../mime-bundle";
import type { DisplaySink } from "./display-sink";

export class TextSink implements DisplaySink {
  readonly kind = "text";
  readonly isNotebook = false;

  constructor(private readonly out: { write(text: string): unknown } = process.stdout) {}

  write(bundle: MimeBundle, _id: string, _update: boolean): void {
    const text = bundle["text/plain"];
    this.out.write(`${typeof text === "string" ? text : JSON.stringify(text)}\n`);
  }
}
