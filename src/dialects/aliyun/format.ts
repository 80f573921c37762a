/** Alibaba's wire formats: UTC times without milliseconds, upper-case RequestIds. */
import { randomUUID } from "node:crypto";
import { utcDateTime } from "../../lib/time.js";

/** `2022-11-28T03:55:42Z`, as every CloudSSO/RAM/ResourceManager time field carries it. */
export function aliyunTime(ms: number): string {
  const fields = utcDateTime(ms, "T");
  return fields !== undefined ? `${fields}Z` : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function aliyunRequestId(): string {
  return randomUUID().toUpperCase();
}
