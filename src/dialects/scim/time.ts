/** SCIM's dateTime (RFC 7643 §2.3.5, RFC 3339 in UTC), with milliseconds: the directory keeps times to the millisecond. */
import { utcDateTime } from "../../lib/time.js";

const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

export function isoTime(ms: number): string {
  const base = utcDateTime(ms, "T");
  return base === undefined ? new Date(ms).toISOString() : `${base}.${THREE[ms % 1000]}Z`;
}
