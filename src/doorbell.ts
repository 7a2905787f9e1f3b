/**
 * A one-shot wake-up for a loop that sleeps until "something changed" (a task
 * finished, the output buffer freed space, the run is stopping). Rings before
 * anyone waits are remembered, so a change is never missed.
 */
export class Doorbell {
  private rung = false;
  private waiter: (() => void) | undefined;

  ring(): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter();
    } else {
      this.rung = true;
    }
  }

  wait(): Promise<void> {
    if (this.rung) {
      this.rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
