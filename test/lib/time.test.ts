/** The time fields both doors write, against the straightforward `toISOString` formatting. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { aliyunTime } from "../../src/dialects/aliyun/format.js";
import { tencentTime } from "../../src/dialects/tencent/format.js";

const tencentSlow = (ms: number) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 19).replace("T", " ");
const aliyunSlow = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

test("tencentTime and aliyunTime write what toISOString gives, at any time", () => {
  const samples = [0, 1, 999, 1000, 86_399_999, 86_400_000, -1, -86_400_001, Date.now(), 951_782_400_000 /* 2000-02-29 */, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15, -28_800_000, -28_800_001];
  for (let i = 0; i < 20_000; i++) samples.push(Math.floor((Math.random() - 0.1) * 260_000_000_000_000));
  // Day boundaries, in both zones.
  for (let d = 0; d < 400; d++) for (const off of [-1, 0, 1]) samples.push(1_700_000_000_000 + d * 86_400_000 - (1_700_000_000_000 % 86_400_000) + off, d * 86_400_000 - 28_800_000 + off);
  const outcome = (f: () => string) => {
    try {
      return f();
    } catch (err) {
      return (err as Error).name;
    }
  };
  for (const ms of samples) {
    assert.equal(outcome(() => tencentTime(ms)), outcome(() => tencentSlow(ms)), String(ms));
    assert.equal(outcome(() => aliyunTime(ms)), outcome(() => aliyunSlow(ms)), String(ms));
  }
});

test("a time that is not one fails as before", () => {
  assert.throws(() => tencentTime(NaN), RangeError);
  assert.throws(() => aliyunTime(NaN), RangeError);
  assert.throws(() => aliyunTime(8.64e15 + 1), RangeError);
});
