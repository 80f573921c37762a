/**
 * `opencic emulator …`: the emulator controls of a running server, through its native API (so they
 * act on the server's own memory: its clock, caches and snapshots). A small client of the native API
 * that other admin commands over HTTP can share, and the subcommands.
 */
import { parseArgs } from "node:util";
import { nativeApiFrom } from "./native-client.js";

export const EMULATOR_USAGE = `  emulator reset                reset a running emulator (opencic serve --emulator) to its first-start state
  emulator snapshot NAME        capture the whole state under NAME (in the server's memory)
  emulator restore NAME         put the state NAME captured back
  emulator snapshots            list the snapshots (emulator snapshots delete NAME forgets one)
  emulator clock [freeze|resume|set T|advance D]
                                read or move the server's clock: T is a date-time, epoch ms or "real";
                                D is a duration such as 301s, 1500ms, 15m, 2h, -1h
                                emulator commands take --endpoint URL (default http://127.0.0.1:8080),
                                --secret-id/--secret-key (OPENCIC_SECRET_ID/OPENCIC_SECRET_KEY: a root
                                account's key) and --json`;

/** Milliseconds in a duration: a number with a unit (ms, s, m, h, d), a sign allowed; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  const m = /^([+-]?\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (e.g. 301s, 1500ms, 15m, 2h, -1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "ms") as "ms"];
  const ms = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(ms)) throw new Error(`"${text}" is too long a duration`);
  return ms;
}

interface ClockView {
  now: string;
  epochMs: number;
  frozen: boolean;
  offsetMs: number;
}

interface SnapshotView {
  name: string;
  takenAt: string;
  tables: number;
  rows: number;
}

const clockLine = (c: ClockView) => {
  const offset = c.offsetMs === 0 ? "real time" : `${c.offsetMs > 0 ? "+" : "−"}${formatMs(Math.abs(c.offsetMs))} from real time`;
  return `clock ${c.now} (${c.frozen ? "frozen" : "running"}, ${offset})`;
};

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(3))} s`;
}

const snapshotLine = (s: SnapshotView) => `${s.name}\ttaken ${s.takenAt}\t${s.rows} rows in ${s.tables} tables`;

/** `opencic emulator <args>`; returns the exit code. */
export async function emulatorCommand(argv: string[]): Promise<number> {
  // A negative duration ("advance -1h") is a value, not an option: it is hidden from parseArgs.
  const NEGATIVE = "\u0000";
  const { values, positionals: raw } = parseArgs({
    args: argv.map((a) => (/^-\d/.test(a) ? NEGATIVE + a : a)),
    allowPositionals: true,
    options: {
      endpoint: { type: "string" },
      "secret-id": { type: "string" },
      "secret-key": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, arg, more] = raw.map((p) => (p.startsWith(NEGATIVE) ? p.slice(NEGATIVE.length) : p));
  if (sub === undefined || sub === "help" || values.help) {
    console.log(`usage: opencic <command> [options]\n\n${EMULATOR_USAGE}`);
    return sub === undefined && !values.help ? 1 : 0;
  }
  const api = nativeApiFrom(values);
  const print = (json: unknown, line: string) => console.log(values.json ? JSON.stringify(json) : line);
  const needName = (what: string): string => {
    if (!arg) throw new Error(`emulator ${what} needs a snapshot NAME`);
    return arg;
  };
  switch (sub) {
    case "reset":
      await api("POST", "/emulator/reset");
      print({ reset: true }, "reset: the server is back to its first-start state (root key kept, snapshots kept, clock on real time)");
      return 0;
    case "snapshot": {
      const s = await api<SnapshotView>("POST", "/emulator/snapshots", { name: needName("snapshot") });
      print(s, `snapshot ${snapshotLine(s)}`);
      return 0;
    }
    case "restore": {
      const s = await api<SnapshotView>("POST", `/emulator/snapshots/${encodeURIComponent(needName("restore"))}/restore`);
      print(s, `restored ${snapshotLine(s)}`);
      return 0;
    }
    case "snapshots": {
      if (arg === "delete") {
        if (!more) throw new Error("emulator snapshots delete needs a snapshot NAME");
        await api("DELETE", `/emulator/snapshots/${encodeURIComponent(more)}`);
        print({ deleted: more }, `deleted snapshot ${more}`);
        return 0;
      }
      if (arg !== undefined) throw new Error(`unknown emulator snapshots command "${arg}"`);
      const list = await api<{ items: SnapshotView[]; totalCount: number }>("GET", "/emulator/snapshots");
      print(list, list.items.length === 0 ? "no snapshots" : list.items.map(snapshotLine).join("\n"));
      return 0;
    }
    case "clock": {
      let c: ClockView;
      if (arg === undefined) c = await api<ClockView>("GET", "/emulator/clock");
      else if (arg === "freeze" || arg === "resume") c = await api<ClockView>("POST", `/emulator/clock/${arg}`);
      else if (arg === "set") {
        if (!more) throw new Error('emulator clock set needs a time: a date-time (2026-01-02T03:04:05Z), epoch ms, or "real"');
        c = await api<ClockView>("PUT", "/emulator/clock", { time: more });
      } else if (arg === "advance") {
        if (!more) throw new Error("emulator clock advance needs a duration (e.g. 301s, 15m, -1h)");
        c = await api<ClockView>("POST", "/emulator/clock/advance", { ms: parseDuration(more) });
      } else throw new Error(`unknown emulator clock command "${arg}" (freeze, resume, set T, advance D)`);
      print(c, clockLine(c));
      return 0;
    }
    default:
      throw new Error(`unknown emulator command "${sub ?? ""}"\n\n${EMULATOR_USAGE}`);
  }
}
