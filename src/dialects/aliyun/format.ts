/** Alibaba's wire formats: UTC times without milliseconds, upper-case RequestIds. */
import { randomUUID } from "node:crypto";
import { isoDateTime } from "../../lib/iso-time.js";

/** `2022-11-28T03:55:42Z`, as every CloudSSO/RAM/ResourceManager time field carries it. */
export function aliyunTime(ms: number): string {
  const t = isoDateTime(ms, "T");
  // A four-digit year (any time OpenCIC keeps): toISOString's text up to the seconds, then Z.
  return t[4] === "-" ? `${t}Z` : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function aliyunRequestId(): string {
  return randomUUID().toUpperCase();
}
