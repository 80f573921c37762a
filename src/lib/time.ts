/**
 * `YYYY-MM-DD<sep>hh:mm:ss` in UTC, the shape both doors' time fields are made from (every answer
 * carries a few). `Date.prototype.toISOString` builds a Date and goes through the runtime's date
 * formatting each time; here the calendar date is looked up per day and the time of day is written
 * from two-digit pieces. Checked against `toISOString` in the tests.
 */
const DAY_MS = 86_400_000;
/** Up to 9999-12-31: beyond it `toISOString` writes six-digit years. */
const MAX_MS = 253_402_300_800_000;
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));

/** Calendar dates by day number; answers carry the dates of a few rows, so a bounded table is plenty. */
const dates = new Map<number, string>();

function dateOf(day: number): string {
  let date = dates.get(day);
  if (date === undefined) {
    if (dates.size >= 4096) dates.clear();
    date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dates.set(day, date);
  }
  return date;
}

/**
 * `YYYY-MM-DD` + `sep` + `hh:mm:ss` of epoch ms in UTC (the ISO string without milliseconds and zone);
 * undefined for a time before 1970 or after 9999 (or not a number), which the caller formats its own way.
 */
export function utcDateTime(ms: number, sep: string): string | undefined {
  if (!(ms >= 0 && ms < MAX_MS)) return undefined;
  const day = Math.floor(ms / DAY_MS);
  const seconds = Math.floor((ms - day * DAY_MS) / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${dateOf(day)}${sep}${TWO[h]}:${TWO[m]}:${TWO[seconds % 60]}`;
}
