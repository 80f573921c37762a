/**
 * Emulator controls, for tests of automation written against the clouds: a controllable clock,
 * reset and named snapshots of the whole state, and fault rules. They exist only when the server
 * runs with `--emulator` (OPENCIC_EMULATOR=1); otherwise `core.emulator` is undefined and the
 * native API's emulator routes answer that the emulator is off.
 */
import type { Clock } from "../clock.js";
import { fail } from "../errors.js";
import { EmulatorClock } from "./clock.js";

export class Emulator {
  readonly clock: EmulatorClock;

  constructor(realClock: Clock) {
    this.clock = new EmulatorClock(realClock);
  }
}

/** The emulator of a server that runs as one; refuses otherwise (a production server has none). */
export function emulatorOf(core: { emulator: Emulator | undefined }): Emulator {
  return core.emulator ?? fail("emulator.disabled", "Emulator controls are off: start the server with --emulator (or OPENCIC_EMULATOR=1).");
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
