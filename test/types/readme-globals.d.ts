// The user's own names that the README's snippets call, as a person's project would have them
// (test/types.test.js checks each snippet against these).
interface Page {
  url: string;
  html: string;
}
interface ParsedPage {
  ok: boolean;
  links: string[];
}
interface Order {
  id: number;
  paid: boolean;
  customer: string;
}
declare const urls: string[];
declare const records: string[];
declare function fetchPage(url: string): Promise<Page>;
declare function parse(input: Page | string): ParsedPage;
declare function isValid(page: ParsedPage): boolean;
declare function checkLink(link: string): Promise<string>;
declare const objectModeReadable: import("node:stream").Readable;
declare const p: import("pipelab").Pipeline<{ id: number; score: number }>;
declare const q: import("pipelab").Pipeline<string>;
declare const severity: number;
declare const df: import("danfojs").DataFrame;
