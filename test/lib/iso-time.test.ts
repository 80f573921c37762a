/** Both doors' time fields: the kept-day formatting writes exactly what toISOString would. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { aliyunTime } from "../../src/dialects/aliyun/format.js";
import { tencentTime } from "../../src/dialects/tencent/format.js";
import { isoDateTime } from "../../src/lib/iso-time.js";

const viaDate = (ms: number, sep: string) => new Date(ms).toISOString().slice(0, 19).replace("T", sep);
const DAY = 86_400_000;

test("isoDateTime writes toISOString's date and time for any time, alternating days or not", () => {
  const times = [0, 1, 999, 1000, DAY - 1, DAY, DAY + 1, Date.UTC(2026, 11, 6, 23, 59, 59, 999), Date.UTC(2024, 1, 29, 12, 0, 0), 253_402_300_799_999, 253_402_300_800_000, -1, -DAY, -62_198_755_200_000, 1.5, -1.5, 8.64e15];
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 2000; i++) times.push(Math.floor(random() * 4e12), Math.floor(random() * 2 * DAY) + 1.7e12);
  for (const ms of times) {
    assert.equal(isoDateTime(ms, " "), viaDate(ms, " "), String(ms));
    assert.equal(isoDateTime(ms, "T"), viaDate(ms, "T"), String(ms));
  }
  assert.throws(() => isoDateTime(Number.NaN, " "), RangeError);
});

test("the doors' formats are unchanged: Beijing time for Tencent, UTC with Z for Alibaba", () => {
  for (const ms of [0, Date.UTC(2026, 11, 6, 16, 0, 0), Date.UTC(2026, 11, 6, 15, 59, 59, 500), 253_402_300_799_999, -62_198_755_200_000]) {
    assert.equal(tencentTime(ms), new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 19).replace("T", " "));
    assert.equal(aliyunTime(ms), new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));
  }
  assert.equal(tencentTime(Date.UTC(2026, 11, 6, 16, 0, 0)), "2026-12-07 00:00:00");
  assert.equal(aliyunTime(Date.UTC(2022, 10, 28, 3, 55, 42, 123)), "2022-11-28T03:55:42Z");
});
