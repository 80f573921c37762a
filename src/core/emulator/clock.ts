/**
 * The emulator's clock: real time by default, which a test may freeze, set or advance. Everything
 * time-based in the core (signature windows, nonces, credential expiry, timestamps on the wire,
 * backoff, retention) reads the core's Clock, so moving this one moves all of them together.
 */
import type { Clock } from "../clock.js";

export interface ClockState {
  /** The time the server now reads, epoch ms. */
  now: number;
  /** Whether it stands still (frozen) or runs with real time. */
  frozen: boolean;
  /** How far it is from the real clock, in ms (now − real). */
  offsetMs: number;
}

export class EmulatorClock implements Clock {
  /** Frozen: the instant it shows; running: undefined. */
  private frozenAt: number | undefined;
  private offsetMs = 0;

  constructor(private readonly real: Clock) {}

  now(): number {
    return this.frozenAt ?? this.real.now() + this.offsetMs;
  }

  /** Stops the clock at the time it shows now. */
  freeze(): void {
    this.frozenAt ??= this.now();
  }

  /** Lets it run again from the time it shows (the offset from real time is kept). */
  resume(): void {
    if (this.frozenAt === undefined) return;
    this.offsetMs = this.frozenAt - this.real.now();
    this.frozenAt = undefined;
  }

  /** Shows `ms` from now on; a frozen clock stays frozen there. */
  set(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt = ms;
    else this.offsetMs = ms - this.real.now();
  }

  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** Back to real time, running. */
  reset(): void {
    this.frozenAt = undefined;
    this.offsetMs = 0;
  }

  state(): ClockState {
    const now = this.now();
    // Running, the offset is exact; frozen, it grows as real time passes.
    return { now, frozen: this.frozenAt !== undefined, offsetMs: this.frozenAt === undefined ? this.offsetMs : now - this.real.now() };
  }
}
