/**
 * Fault injection for the in-memory adapters: every port call of a
 * {@link memoryDeps} set passes through one {@link Faults}, so a test can
 * kill the "process" at its n-th call and then run the use case again, as
 * a crash and a restart would, without a JVM or a network.
 */

/** The error a simulated crash raises (not a LifecycleError: nothing retries it). */
export class SimulatedCrash extends Error {
  constructor(readonly call: number, readonly what: string) {
    super(`simulated crash at call ${call} (${what})`);
    this.name = 'SimulatedCrash';
  }
}

/** How {@link Faults.failAt} fails. */
export interface FailOptions {
  /**
   * Only the n-th call fails; later calls work (a transient failure).
   * Otherwise the n-th and every later call fails until {@link Faults.heal}
   * (a dead process: nothing it still awaits can write).
   * @default false
   */
  readonly once?: boolean;
  /**
   * The n-th call takes effect, then throws: the write committed but its
   * answer was lost.
   * @default false
   */
  readonly afterEffect?: boolean;
}

/** Counts port calls and fails the chosen one. */
export class Faults {
  /** Every call made so far, by port and method (`records.create`). */
  readonly calls: string[] = [];
  private at: number | undefined;
  private options: FailOptions = {};
  private dead = false;

  /** Makes the n-th call from now (1-based) fail; see {@link FailOptions}. */
  failAt(n: number, options: FailOptions = {}): void {
    this.at = this.calls.length + n;
    this.options = options;
    this.dead = false;
  }

  /** Stops failing: the restarted process. */
  heal(): void {
    this.at = undefined;
    this.dead = false;
  }

  /** Whether the process is dead (a crash, not a `once` failure, was injected). */
  get crashed(): boolean {
    return this.dead;
  }

  /**
   * Runs one port call: counts it, and fails it when it is the chosen
   * one (before or after its effect) or the process is dead.
   */
  async run<T>(what: string, effect: () => T | Promise<T>): Promise<T> {
    this.calls.push(what);
    const n = this.calls.length;
    const chosen = this.at === n;
    if (this.dead || (chosen && this.options.afterEffect !== true)) {
      this.dead ||= this.options.once !== true;
      throw new SimulatedCrash(n, what);
    }
    const result = await effect();
    if (chosen) {
      this.dead = this.options.once !== true;
      throw new SimulatedCrash(n, what);
    }
    return result;
  }
}
