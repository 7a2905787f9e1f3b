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

  /** Whether it rang since the last wait; clears the ring (the caller looks again instead of waiting). */
  takeRing(): boolean {
    const rung = this.rung;
    this.rung = false;
    return rung;
  }

  wait(): Promise<void> {
    if (this.rung) {
      this.rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
