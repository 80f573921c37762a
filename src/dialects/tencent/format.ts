/**
 * Tencent wire times are `YYYY-MM-DD HH:MM:SS` with no zone. OpenCIC writes them in
 * Beijing time (UTC+8, no daylight saving), the zone the Tencent console and examples use.
 */
import { utcDateTime } from "../../lib/time.js";

const UTC_PLUS_8_MS = 8 * 3600 * 1000;

export function tencentTime(epochMs: number): string {
  const ms = epochMs + UTC_PLUS_8_MS;
  return utcDateTime(ms, " ") ?? new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}
