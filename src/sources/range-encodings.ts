/**
 * Which encodings a file can be cut into byte ranges in: those where a quote
 * and a line break are single bytes that never occur inside another character.
 */
const SINGLE_BYTE_BREAKS = ["utf8", "utf-8", "latin1", "binary", "ascii"];

/** Whether threads can read a file in this encoding range by range (csvRanges, jsonlRanges). */
export function cutsIntoRanges(encoding: string): boolean {
  return SINGLE_BYTE_BREAKS.includes(encoding);
}
