/**
 * A small discrete-event queue for the history: actions run in time order (ties in the order they were
 * scheduled), so the simulation is deterministic and each bot step sees the state the ones before left.
 */

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly run: (at: number) => void;
}

/** Time-ordered actions up to a horizon; anything scheduled at or after it is dropped. */
export class EventQueue {
  private readonly items: Scheduled[] = [];
  private seq = 0;

  constructor(private readonly horizon: number) {}

  /** Schedules `run` at `at` (ms); returns false when `at` is not before the horizon. */
  at(at: number, run: (at: number) => void): boolean {
    if (!(at < this.horizon)) return false;
    const item = { at, seq: this.seq++, run };
    // Binary search for the insertion point keeps the list sorted by (at, seq).
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.items[mid] as Scheduled;
      if (m.at < at || (m.at === at && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
    return true;
  }

  /** Runs every action in order, including those scheduled while running. */
  runAll(): void {
    for (let item = this.items.shift(); item; item = this.items.shift()) {
      item.run(item.at);
    }
  }
}
