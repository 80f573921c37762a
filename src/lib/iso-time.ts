/**
 * `YYYY-MM-DD<sep>HH:MM:SS` for an epoch-millisecond time in UTC: `Date.prototype.toISOString`'s
 * first 19 characters with the `T` as given. Both doors write every time field through it, and a
 * list writes two per row: toISOString costs about half a microsecond (V8 formats through printf),
 * so the date part is kept for the day last asked and the time of day is plain arithmetic.
 * Times outside years 0000-9999 and non-integers go through toISOString itself, as before.
 */
const DAY_MS = 86_400_000;
/** 1970-01-01 … 9999-12-31 (toISOString writes four-digit years there; earlier years are rare enough to format each time). */
const LAST_FAST_MS = 253_402_300_799_999;

let keptDay = Number.NaN;
let keptDate = "";

export function isoDateTime(ms: number, sep: string): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FAST_MS) return new Date(ms).toISOString().slice(0, 19).replace("T", sep);
  const day = Math.floor(ms / DAY_MS);
  if (day !== keptDay) {
    keptDate = new Date(day * DAY_MS).toISOString().slice(0, 10);
    keptDay = day;
  }
  const seconds = Math.floor((ms - day * DAY_MS) / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor(seconds / 60) % 60;
  const s = seconds % 60;
  return `${keptDate}${sep}${h < 10 ? "0" : ""}${h}:${m < 10 ? "0" : ""}${m}:${s < 10 ? "0" : ""}${s}`;
}
