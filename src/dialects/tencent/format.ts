/**
 * Tencent wire times are `YYYY-MM-DD HH:MM:SS` with no zone. OpenCIC writes them in
 * Beijing time (UTC+8, no daylight saving), the zone the Tencent console and examples use.
 */
import { isoDateTime } from "../../lib/iso-time.js";

const UTC_PLUS_8_MS = 8 * 3600 * 1000;

export function tencentTime(epochMs: number): string {
  return isoDateTime(epochMs + UTC_PLUS_8_MS, " ");
}
