/**
 * A clock for concurrent runs (the throttle scenarios, local/chaos/throttles.ts): time moves only
 * when every run taking part is asleep, and then straight to the earliest wake-up. While any run
 * works (a request, a delivery, a DynamoDB call), the clock stands still, so a request is sent and
 * answered at the instant it was admitted, and waits of concurrent runs overlap as they would in
 * real time instead of adding up (as the one-run FakeClock's sleep does).
 */

interface Sleeper {
  readonly wake: number;
  readonly party: Party;
  readonly resolve: () => void;
}

interface Party {
  /** Sleeps of this participant not yet over. */
  pending: number;
  /** Its calls under way that must see the clock stand still (a request in flight). */
  busy: number;
  live: boolean;
}

/** One participant's view: its own sleep (the clock knows who is asleep) and its leaving. */
export interface Participant {
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * Runs `call` with the clock standing still for it, though another of this participant's
   * activities sleeps meanwhile (a request sent while the next one waits for the budget).
   */
  busy<T>(call: () => Promise<T>): Promise<T>;
  /** Ends the participation; the clock no longer waits for this one to fall asleep. */
  leave(): void;
}

export class VirtualClock {
  private readonly parties = new Set<Party>();
  private sleepers: Sleeper[] = [];

  constructor(public at: number) {}

  readonly now = (): number => this.at;

  /** Joins a participant; until it leaves, time moves only while it sleeps. */
  join(): Participant {
    const party: Party = { pending: 0, busy: 0, live: true };
    this.parties.add(party);
    return {
      sleep: (ms) => this.sleep(party, ms),
      busy: async (call) => {
        party.busy++;
        try {
          return await call();
        } finally {
          party.busy--;
          this.schedule();
        }
      },
      leave: () => {
        if (!party.live) return;
        party.live = false;
        this.parties.delete(party);
        this.schedule();
      },
    };
  }

  /** Moves the clock by hand (between rounds, when nobody takes part). */
  advanceBy(ms: number): void {
    this.at += Math.max(0, ms);
  }

  private sleep(party: Party, ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      party.pending++;
      this.sleepers.push({ wake: this.at + ms, party, resolve });
      this.schedule();
    });
  }

  /**
   * Checks once the work already queued has run: an activity just released (a grant's waiters)
   * starts its call at the instant it was released, before the clock can move.
   */
  private schedule(): void {
    setImmediate(() => this.advance());
  }

  /** When every live participant sleeps and none is busy: to the earliest wake-up, waking all who are due. */
  private advance(): void {
    if (this.sleepers.length === 0 || [...this.parties].some((p) => p.pending === 0 || p.busy > 0)) return;
    this.at = Math.max(this.at, Math.min(...this.sleepers.map((s) => s.wake)));
    const due = this.sleepers.filter((s) => s.wake <= this.at);
    this.sleepers = this.sleepers.filter((s) => s.wake > this.at);
    for (const s of due) {
      s.party.pending--;
      s.resolve();
    }
  }
}
