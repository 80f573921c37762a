/**
 * Emulator controls, for tests of automation written against the clouds: a controllable clock,
 * reset and named snapshots of the whole state, and fault rules. They exist only when the server
 * runs with `--emulator` (OPENCIC_EMULATOR=1); otherwise `core.emulator` is undefined and the
 * native API's emulator routes answer that the emulator is off.
 *
 * They assume one server process: snapshots are held in this process's memory, and the caches a
 * reset or restore drops are this process's (another process on the same PostgreSQL database would
 * keep serving from its own until they expire, and its worker would not pause).
 */
import type { Store } from "../../store/database.js";
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import { fail } from "../errors.js";
import { type ClockState, EmulatorClock } from "./clock.js";
import { type FaultRuleInput, FaultRules } from "./faults.js";
import { firstStartRows, readState, replaceState, rowCount, type TableRows } from "./state.js";

type Hook = () => void | Promise<void>;

/** What the emulator pauses around a reset or restore: the reconcile worker. */
export interface Pausable {
  readonly isRunning: boolean;
  start(): void;
  /** Resolves once the reconcile in hand (if any) has finished. */
  stop(): Promise<void>;
}

export interface SnapshotInfo {
  name: string;
  /** When it was taken, by the emulator's clock (epoch ms). */
  takenAt: number;
  tables: number;
  rows: number;
}

/** The times every wire can write (four-digit years). */
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const RANGE_MESSAGE = "the clock shows times from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z";
const inRange = (ms: number) => Number.isSafeInteger(ms) && ms >= 0 && ms <= LATEST_MS;

/** A snapshot's name: what a path segment and a shell word carry without quoting. */
const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class Emulator {
  readonly clock: EmulatorClock;
  /** Request, provisioning, deployment and pacing fault rules (faults.ts). */
  readonly faults: FaultRules;
  /** Run by reset only (fault rules: a restore puts back state, not the rules the test set). */
  private readonly resetHooks = new Set<Hook>();
  /** Run by reset and restore: what mirrors or counts against the database in memory (key and credential caches, the nonce ledger, rate-limit and sign-in counts). */
  private readonly replacedHooks = new Set<Hook>();
  /** Told how far the clock moved (ms; negative: back), after it did. */
  private readonly clockHooks = new Set<(deltaMs: number) => void | Promise<void>>();
  private readonly snapshots = new Map<string, { info: SnapshotInfo; rows: TableRows }>();
  private parts: { store: Store; worker: Pausable } | undefined;
  /** One control at a time: a reset must not start while a restore has the worker stopped. */
  private turn: Promise<unknown> = Promise.resolve();

  /** `seedFaults`: rules the process starts with (OPENCIC_DEPLOYMENT_FAULTS); a reset brings them back. */
  constructor(realClock: Clock, seedFaults: readonly FaultRuleInput[] = []) {
    this.clock = new EmulatorClock(realClock);
    this.faults = new FaultRules(this.clock, seedFaults);
    this.onReset(() => this.faults.reset());
  }

  /** The store and the worker; the core gives them once it has made them. */
  attach(store: Store, worker: Pausable): void {
    this.parts = { store, worker };
  }

  /** Runs `fn` on every reset (back to the first-start state); returns its removal. */
  onReset(fn: Hook): () => void {
    this.resetHooks.add(fn);
    return () => this.resetHooks.delete(fn);
  }

  /** Runs `fn` whenever the database's state is replaced (reset and restore); returns its removal. */
  onStateReplaced(fn: Hook): () => void {
    this.replacedHooks.add(fn);
    return () => this.replacedHooks.delete(fn);
  }

  /** Runs `fn` with the distance (negative: back) after each move of the clock; returns its removal. */
  onClockMoved(fn: (deltaMs: number) => void | Promise<void>): () => void {
    this.clockHooks.add(fn);
    return () => this.clockHooks.delete(fn);
  }

  // The clock. Each answers with the state after the move.

  clockState(): ClockState {
    return this.clock.state();
  }

  freeze(): Promise<ClockState> {
    return this.moveClock(() => this.clock.freeze());
  }

  resume(): Promise<ClockState> {
    return this.moveClock(() => this.clock.resume());
  }

  /** Shows `ms` (epoch) from now on; a frozen clock stays frozen there. */
  setClock(ms: number): Promise<ClockState> {
    if (!inRange(ms)) fail("value.invalid", RANGE_MESSAGE, "time");
    return this.moveClock(() => this.clock.set(ms));
  }

  advance(ms: number): Promise<ClockState> {
    if (!Number.isSafeInteger(ms)) fail("value.invalid", "advance by a whole number of milliseconds", "ms");
    if (!inRange(this.clock.now() + ms)) fail("value.invalid", `that would move the clock out of range: ${RANGE_MESSAGE}`, "ms");
    return this.moveClock(() => this.clock.advance(ms));
  }

  /** Back to real time, running. */
  realTime(): Promise<ClockState> {
    return this.moveClock(() => this.clock.reset());
  }

  private moveClock(move: () => void): Promise<ClockState> {
    return this.inTurn(async () => {
      const before = this.clock.now();
      move();
      const delta = this.clock.now() - before;
      for (const fn of this.clockHooks) await fn(delta);
      return this.clock.state();
    });
  }

  // The state.

  /**
   * Back to the state of a first start, the root key kept: every table emptied but for what first
   * start writes (firstStartRows), every in-memory cache and counter dropped, the clock back to real
   * time, the fault rules cleared. Snapshots are kept.
   */
  reset(): Promise<void> {
    return this.inTurn(async () => {
      this.clock.reset();
      await this.replacing(() => replaceState(this.attached().store, firstStartRows), true);
    });
  }

  /** Captures every table's rows under `name` (replacing a snapshot of that name). */
  snapshot(name: string): Promise<SnapshotInfo> {
    checkName(name);
    return this.inTurn(async () => {
      const rows = await readState(this.attached().store);
      const info: SnapshotInfo = { name, takenAt: this.clock.now(), tables: Object.keys(rows).length, rows: rowCount(rows) };
      this.snapshots.set(name, { info, rows });
      return info;
    });
  }

  /** Puts the state `name` captured back exactly; caches are dropped. The clock is left as it is. */
  restore(name: string): Promise<SnapshotInfo> {
    const snap = this.found(name);
    return this.inTurn(async () => {
      await this.replacing(() => replaceState(this.attached().store, () => snap.rows), false);
      return snap.info;
    });
  }

  /** The snapshots held, by name. */
  listSnapshots(): SnapshotInfo[] {
    return [...this.snapshots.values()].map((s) => s.info).sort((a, b) => a.name.localeCompare(b.name));
  }

  deleteSnapshot(name: string): void {
    this.found(name);
    this.snapshots.delete(name);
  }

  /**
   * Runs a replacement of the whole state with the worker paused: the reconcile in hand finishes
   * first (it must not write into a wiped or restored database), and the worker starts again after.
   */
  private async replacing(replace: () => Promise<void>, isReset: boolean): Promise<void> {
    const { worker } = this.attached();
    const wasRunning = worker.isRunning;
    if (wasRunning) await worker.stop();
    try {
      await replace();
      for (const fn of this.replacedHooks) await fn();
      if (isReset) for (const fn of this.resetHooks) await fn();
    } finally {
      if (wasRunning) worker.start();
    }
  }

  private found(name: string): { info: SnapshotInfo; rows: TableRows } {
    checkName(name);
    return this.snapshots.get(name) ?? fail("emulator.snapshot_not_found", `there is no snapshot named ${name}`, "name");
  }

  private attached(): { store: Store; worker: Pausable } {
    if (!this.parts) throw new Error("the emulator is not attached to a store");
    return this.parts;
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => {});
    return run;
  }
}

function checkName(name: string): void {
  if (!SNAPSHOT_NAME.test(name)) fail("value.invalid", "a snapshot name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", "name");
}

/** The emulator of a server that runs as one; refuses otherwise (a production server has none). */
export function emulatorOf(core: { emulator: Emulator | undefined }): Emulator {
  return core.emulator ?? fail("emulator.disabled", "Emulator controls are off: start the server with --emulator (or OPENCIC_EMULATOR=1).");
}

/**
 * Emulator controls act on the whole server, so only an account's own root key (not a sub-user's)
 * of a root account (not an organization's member) may use them.
 */
export async function emulatorFor(core: { emulator: Emulator | undefined; accounts: { get(uin: number): Promise<{ kind: string } | undefined> } }, caller: Caller): Promise<Emulator> {
  const emulator = emulatorOf(core);
  if (caller.isSubUser || (await core.accounts.get(caller.accountUin))?.kind !== "root") {
    fail("emulator.not_root", "Emulator controls take a root account's own key, not a sub-user's or a member account's.");
  }
  return emulator;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/i;

/**
 * Emulator controls let anyone with a key rewind the clock and wipe the state: a server that listens
 * beyond this machine must say so explicitly (`--emulator-allow-remote`).
 */
export function checkEmulatorHost(host: string, allowRemote: boolean): void {
  if (!LOOPBACK.test(host) && !allowRemote) {
    throw new Error(`--emulator refuses to listen on ${host}, which is not a loopback address: emulator controls reset state and move the clock for anyone with a key. Add --emulator-allow-remote (OPENCIC_EMULATOR_ALLOW_REMOTE=1) to do it anyway.`);
  }
}

export type { ClockState };
