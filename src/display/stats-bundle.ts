/** A run's statistics as a notebook shows them: the HTML table, and the text table for plain front ends. */
import type { RunSnapshot } from "../stats/snapshot";
import type { MimeBundle } from "./mime-bundle";
import { statsHtml } from "./stats-html";
import { formatStatsTable } from "./stats-table";

export function statsBundle(stats: RunSnapshot): MimeBundle {
  return { "text/plain": formatStatsTable(stats), "text/html": statsHtml(stats) };
}
