"use strict";
// Runs one variant of the columnar bench in this fresh process, so that its peak RSS is its own.
// Prints one line: RESULT {"ms":…,"maxRssMB":…,"answer":…} or RESULT {"error":"…"}.
const { TASKS } = require("./variants");

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const variant = TASKS[spec.task][spec.variant];
  const state = await variant.setup(spec);
  const started = performance.now();
  const answer = await variant.run(state, spec);
  return { ms: performance.now() - started, maxRssMB: process.resourceUsage().maxRSS / 1024, answer };
}

main().then(
  (result) => console.log(`RESULT ${JSON.stringify(result)}`),
  (error) =>
    console.log(
      `RESULT ${JSON.stringify({
        error: String(error?.stack ?? error)
          .split("\n")
          .slice(0, 3)
          .join(" / "),
      })}`,
    ),
);
