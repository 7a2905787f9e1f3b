/**
 * `pipelab worker`: serves the cluster stages of pipelines on this machine.
 *
 * @example npx pipelab worker --connection redis://10.0.0.5:6379 --concurrency 4
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { SECRET_ENV } from "./stage-signature";
import { ClusterWorker } from "./worker-process";

const USAGE = `usage: pipelab worker --connection <redis://host:port> [--secret-file F] [--modules DIR] [--concurrency N] [--queue NAME ...]

  --connection   the Redis that pipelines with mode: "cluster" use
  --secret-file  a file holding the secret stages are signed with (or set PIPELAB_CLUSTER_SECRET);
                 without one, only { module, export } functions from --modules run
  --modules      module functions load only from inside this directory
  --concurrency  batches run at once per stage (default: the stage's workers option)
  --queue        serve only this queue (repeat for more); default: every stage that appears`;

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        connection: { type: "string" },
        concurrency: { type: "string" },
        queue: { type: "string", multiple: true },
        "secret-file": { type: "string" },
        modules: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    out(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (
    positionals[0] !== "worker" ||
    positionals.length > 1 ||
    !values.connection ||
    (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1))
  ) {
    out(USAGE);
    return 2;
  }
  let secret = process.env[SECRET_ENV] || undefined;
  if (values["secret-file"]) {
    try {
      secret = readFileSync(values["secret-file"], "utf8").trim();
    } catch (error) {
      out(`pipelab worker: cannot read the secret file: ${(error as Error).message}`);
      return 2;
    }
  }
  const worker = new ClusterWorker({
    connection: values.connection,
    ...(concurrency ? { concurrency } : {}),
    ...(secret ? { secret } : {}),
    ...(values.modules ? { modulesDir: resolve(values.modules) } : {}),
    ...(values.queue ? { queues: values.queue } : {}),
    log: out,
  });
  try {
    await worker.start();
  } catch (error) {
    out(`pipelab worker: ${(error as Error).message}`);
    return 1;
  }
  out(`pipelab worker ${process.pid}: waiting for cluster stages on ${values.connection}`);
  await new Promise<void>((resolve) => {
    const stop = () => void worker.close().then(resolve);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  out(`pipelab worker ${process.pid}: stopped (${worker.refusals} stages refused)`);
  return 0;
}
