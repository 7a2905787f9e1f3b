"use strict";
// How much two threads can give on this machine, before pipelab adds anything: the same work in
// one thread, then in 2 threads at once, each its own copy. Pure arithmetic scales with cores;
// work that allocates (the real-data bench's haversine with `{ ...row, distance_km }`) may not:
// the threads' garbage collectors and memory traffic compete. The figure bounds what worker mode
// can reach against a single-threaded loop.   node bench/thread-scaling.js
const { Worker, isMainThread, parentPort, workerData } = require("node:worker_threads");
const { withDistance } = require("./real-data/work");

const WORK = {
  /** 3e8 multiply-xor steps: no allocation. */
  arithmetic() {
    let h = 0;
    for (let i = 0; i < 3e8; i++) h = Math.imul(h ^ i, 0x01000193);
    return h;
  },
  /** 2M rows, each made, spread into a new object with its distance, then dropped. */
  allocating() {
    let kept = 0;
    for (let i = 0; i < 2e6; i++) {
      const row = { zip_code: "0" + i, latitude: "40." + (i % 1000), longitude: "-74.1", city: "a", state: "b", county: "c" };
      if (withDistance(row).distance_km < 100) kept++;
    }
    return kept;
  },
};

function timed(kind) {
  const started = performance.now();
  WORK[kind]();
  return performance.now() - started;
}

async function inThreads(kind, n) {
  const threads = Array.from({ length: n }, () => new Worker(__filename, { workerData: kind }));
  return Promise.all(threads.map((thread) => new Promise((resolve) => thread.once("message", resolve))));
}

if (!isMainThread) parentPort.postMessage(timed(workerData));
else {
  (async () => {
    for (const kind of Object.keys(WORK)) {
      timed(kind); // warm-up
      const one = timed(kind);
      const two = await inThreads(kind, 2);
      const slowdown = Math.max(...two) / one;
      console.log(
        `${kind}: 1 thread ${Math.round(one)} ms; 2 threads at once ${two.map(Math.round).join(" and ")} ms each ` +
          `(${slowdown.toFixed(2)}x slower each): 2 threads can be at most ${(2 / slowdown).toFixed(2)}x one`,
      );
    }
  })();
}
