"use strict";
// Runs one variant of the real-data bench in this fresh process, so that its peak RSS is its own and
// no other variant's garbage or JIT state is around. Usage (from bench/real-data.js):
//   node bench/real-data/child.js '{"workload":"zip","variant":"uDSV loop","input":"...","output":"..."}'
// Prints one line: RESULT {"ms":…,"maxRssMB":…,"answer":…} or RESULT {"error":"…"}.
const { WORKLOADS } = require("./variants");

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const variant = WORKLOADS[spec.workload][spec.variant];
  const libs = variant.load();
  const started = performance.now();
  const answer = await variant.run(libs, spec);
  const ms = performance.now() - started;
  return { ms, maxRssMB: process.resourceUsage().maxRSS / 1024, answer: answer ?? null };
}

main().then(
  (result) => {
    console.log(`RESULT ${JSON.stringify(result)}`);
    // A run that leaves a handle open (a thread, a timer) would keep this process alive: say so, and go.
    setTimeout(() => {
      console.error("still running 5 s after the run ended: something left a handle open");
      process.exit(0);
    }, 5000).unref();
  },
  (error) => {
    console.log(
      `RESULT ${JSON.stringify({
        error: String(error?.stack ?? error)
          .split("\n")
          .slice(0, 3)
          .join(" / "),
      })}`,
    );
    process.exit(0);
  },
);
