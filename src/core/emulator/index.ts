/**
 * Emulator controls, for tests of automation written against the clouds: a controllable clock,
 * reset and named snapshots of the whole state, and fault rules. They exist only when the server
 * runs with `--emulator` (OPENCIC_EMULATOR=1); otherwise `core.emulator` is undefined and the
 * native API's emulator routes answer that the emulator is off.
 */
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import { fail } from "../errors.js";
import { EmulatorClock } from "./clock.js";
import { type FaultRuleInput, FaultRules } from "./faults.js";

export class Emulator {
  readonly clock: EmulatorClock;
  /** Request, provisioning, deployment and pacing fault rules (faults.ts). */
  readonly faults: FaultRules;
  private readonly resets: (() => void | Promise<void>)[] = [];

  /** `seedFaults`: rules the process starts with (OPENCIC_DEPLOYMENT_FAULTS); a reset brings them back. */
  constructor(realClock: Clock, seedFaults: readonly FaultRuleInput[] = []) {
    this.clock = new EmulatorClock(realClock);
    this.faults = new FaultRules(this.clock, seedFaults);
    this.onReset(() => this.faults.reset());
  }

  /** Adds what a reset runs, in the order added. */
  onReset(fn: () => void | Promise<void>): void {
    this.resets.push(fn);
  }

  async reset(): Promise<void> {
    for (const fn of this.resets) await fn();
  }
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
