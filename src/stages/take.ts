/**
 * TakeStage: `take(n)`. Passes the first n items, then closes its output and
 * asks the supervisor to stop everything upstream; stages downstream finish
 * what they hold, and the run ends as "done".
 */
import type { BoundedBuffer } from "../buffer";
import { EMPTY } from "../buffer";
import { type Envelope, Kind } from "../envelope";
import type { RunControl } from "../run-control";
import type { StageCounters } from "../stats/stage-counters";

export class TakeStage {
  constructor(
    private readonly count: number,
    private readonly input: BoundedBuffer<Envelope>,
    private readonly output: BoundedBuffer<Envelope>,
    private readonly control: RunControl,
    private readonly counters: StageCounters,
    private readonly keepPlaces: boolean,
  ) {}

  async run(): Promise<void> {
    const { input, output, control, counters } = this;
    while (counters.itemsOut < this.count) {
      const envelope = await input.take();
      if (envelope === EMPTY || control.signal.aborted) break;
      if (envelope.kind !== Kind.Value) {
        if (this.keepPlaces) await output.put(envelope);
        continue;
      }
      counters.itemsIn++;
      await output.put(envelope);
      counters.itemsOut++;
    }
    if (control.signal.aborted) return;
    output.close();
    if (counters.itemsOut >= this.count) control.finishEarly();
  }
}
