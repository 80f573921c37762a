/**
 * Emulator controls (a server started with --emulator): the clock, reset to the first-start state,
 * named snapshots. Any other server answers `emulator.disabled` (404); only a root account's own key
 * may use them (a sub-user, a member account or a SCIM credential is refused).
 */
import type { ActionContext } from "../../../server/door.js";
import { type ClockState, emulatorFor } from "../../../core/emulator/index.js";
import { fail } from "../../../core/errors.js";
import { type NativeRoute, route } from "../route.js";
import { arr, bool, int, obj, optional, ref, type Schema, str } from "../schema.js";

const TAG = "emulator";
const snapshotName = str({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$", description: "1–64 letters, digits, `.`, `_` or `-`." });
const snapshotParams = obj({ name: snapshotName });

/**
 * The emulator, when the server is one and the caller is a root account acting as itself: the one
 * rule every emulator route (the fault rules' too) admits callers by.
 */
/** The clock as the API writes it. */
const clockView = (s: ClockState) => ({ now: new Date(s.now).toISOString(), epochMs: s.now, frozen: s.frozen, offsetMs: s.offsetMs });

/** An instant given as an RFC 3339 date-time or epoch milliseconds (a number, or digits). */
function instantOf(value: string | number): number {
  if (typeof value === "number") return value;
  if (/^\d+$/.test(value)) return Number(value);
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) fail("value.invalid", `"${value.slice(0, 64)}" is not a date-time (2026-01-02T03:04:05Z), epoch milliseconds, or "real"`, "time");
  return ms;
}

const clockAnswer: NativeRoute["response"] = { status: 200, schema: ref("EmulatorClock") };

export const emulatorRoutes: NativeRoute[] = [
  route({
    method: "GET",
    path: "/emulator/clock",
    name: "GetEmulatorClock",
    summary: "The time the server reads (every signature window, expiry, wire timestamp and due time follows it), and whether it is frozen",
    tag: TAG,
    response: clockAnswer,
    run: async (ctx) => clockView((await emulatorFor(ctx.core, ctx.caller)).clockState()),
  }),
  route<unknown, unknown, { time: string | number; frozen?: boolean }>({
    method: "PUT",
    path: "/emulator/clock",
    name: "SetEmulatorClock",
    summary: "Sets the clock to an instant (a frozen clock stays frozen there), or back to real time (`\"real\"`); `frozen` then freezes or resumes it",
    tag: TAG,
    body: obj(
      {
        time: {
          anyOf: [str({ minLength: 1, maxLength: 64 }), int({ minimum: 0 })],
          description: 'An RFC 3339 date-time, epoch milliseconds, or "real" for real time.',
        } satisfies Schema,
        frozen: bool({ description: "Freeze (true) or let run (false) once set; absent: as it was (real time runs)." }),
      },
      ["frozen"],
    ),
    response: clockAnswer,
    run: async (ctx, { body }) => {
      const emulator = await emulatorFor(ctx.core, ctx.caller);
      const at = body.time === "real" ? undefined : instantOf(body.time);
      // Frozen first, so the clock stands exactly at the instant given rather than a moment past it.
      if (body.frozen === true && at !== undefined) await emulator.freeze();
      let state = at === undefined ? await emulator.realTime() : await emulator.setClock(at);
      if (body.frozen === true && at === undefined) state = await emulator.freeze();
      if (body.frozen === false) state = await emulator.resume();
      return clockView(state);
    },
  }),
  route({
    method: "POST",
    path: "/emulator/clock/freeze",
    name: "FreezeEmulatorClock",
    summary: "Stops the clock at the time it shows",
    tag: TAG,
    response: clockAnswer,
    run: async (ctx) => clockView(await (await emulatorFor(ctx.core, ctx.caller)).freeze()),
  }),
  route({
    method: "POST",
    path: "/emulator/clock/resume",
    name: "ResumeEmulatorClock",
    summary: "Lets a frozen clock run again from the time it shows (its distance from real time is kept)",
    tag: TAG,
    response: clockAnswer,
    run: async (ctx) => clockView(await (await emulatorFor(ctx.core, ctx.caller)).resume()),
  }),
  route<unknown, unknown, { ms?: number; seconds?: number }>({
    method: "POST",
    path: "/emulator/clock/advance",
    name: "AdvanceEmulatorClock",
    summary: "Moves the clock forward (or, negative, back) by `ms` or `seconds`; keys backing off in the reconcile queue become due as their time comes",
    tag: TAG,
    body: optional(
      { ms: int({ description: "Milliseconds (negative: back)." }), seconds: { type: "number", description: "Seconds (negative: back)." } },
      { minProperties: 1, maxProperties: 1 },
    ),
    response: clockAnswer,
    run: async (ctx, { body }) => {
      const emulator = await emulatorFor(ctx.core, ctx.caller);
      const ms = body.ms ?? Math.round(body.seconds! * 1000);
      return clockView(await emulator.advance(ms));
    },
  }),
  route({
    method: "POST",
    path: "/emulator/reset",
    name: "ResetEmulator",
    summary:
      "Back to the first-start state with the root key kept: every table emptied but for the bootstrap root account, its key and the settings; caches, rate-limit counts and fault rules dropped; the clock back to real time. Snapshots are kept",
    tag: TAG,
    response: { status: 204 },
    run: async (ctx) => {
      await (await emulatorFor(ctx.core, ctx.caller)).reset();
      return undefined;
    },
  }),
  route({
    method: "GET",
    path: "/emulator/snapshots",
    name: "ListEmulatorSnapshots",
    summary: "The named snapshots this server process holds",
    tag: TAG,
    response: { status: 200, schema: obj({ items: arr(ref("EmulatorSnapshot")), totalCount: int({ minimum: 0 }) }) },
    run: async (ctx) => {
      const items = (await emulatorFor(ctx.core, ctx.caller)).listSnapshots();
      return { items, totalCount: items.length };
    },
  }),
  route<unknown, unknown, { name: string }>({
    method: "POST",
    path: "/emulator/snapshots",
    name: "CreateEmulatorSnapshot",
    summary: "Captures the whole state (every table's rows) under a name, in this process's memory; a snapshot of that name is replaced",
    tag: TAG,
    body: obj({ name: snapshotName }),
    response: { status: 201, schema: ref("EmulatorSnapshot") },
    run: async (ctx, { body }) => (await emulatorFor(ctx.core, ctx.caller)).snapshot(body.name),
  }),
  route<{ name: string }>({
    method: "POST",
    path: "/emulator/snapshots/{name}/restore",
    name: "RestoreEmulatorSnapshot",
    summary: "Puts the state a snapshot captured back exactly (caches dropped; the clock is left as it is)",
    tag: TAG,
    params: snapshotParams,
    response: { status: 200, schema: ref("EmulatorSnapshot") },
    run: async (ctx, { params }) => (await emulatorFor(ctx.core, ctx.caller)).restore(params.name),
  }),
  route<{ name: string }>({
    method: "DELETE",
    path: "/emulator/snapshots/{name}",
    name: "DeleteEmulatorSnapshot",
    summary: "Forgets a snapshot",
    tag: TAG,
    params: snapshotParams,
    response: { status: 204 },
    run: async (ctx, { params }) => {
      (await emulatorFor(ctx.core, ctx.caller)).deleteSnapshot(params.name);
      return undefined;
    },
  }),
];
