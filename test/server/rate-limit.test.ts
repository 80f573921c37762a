/** The rate limiter's share of a cluster-wide limit, and its one-second windows with a share. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseRateLimits, type ProcessShare, RateLimiter, shareOf } from "../../src/server/rate-limit.js";

const parts = (limit: number, of: number) => Array.from({ length: of }, (_, rank) => shareOf(limit, { rank, of }));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("shareOf", () => {
  test("alone, a process enforces the whole limit, fractions included", () => {
    for (const limit of [1, 2.5, 20, 220]) assert.equal(shareOf(limit, { rank: 0, of: 1 }), limit);
  });

  test("the parts add up to the limit; the remainder goes one each to the lowest ranks", () => {
    assert.deepEqual(parts(20, 2), [10, 10]);
    assert.deepEqual(parts(20, 3), [7, 7, 6]);
    assert.deepEqual(parts(40, 6), [7, 7, 7, 7, 6, 6]);
    assert.deepEqual(parts(220, 7), [32, 32, 32, 31, 31, 31, 31]);
    for (const limit of [3, 20, 21, 40, 220]) {
      for (let of = 1; of <= limit; of++) {
        const p = parts(limit, of);
        assert.equal(sum(p), limit, `${limit} among ${of}`);
        assert.ok(Math.max(...p) - Math.min(...p) <= 1, `${limit} among ${of} is even`);
      }
    }
  });

  test("a fractional limit is divided as its whole calls", () => {
    assert.deepEqual(parts(2.5, 2), [1, 1]);
    assert.deepEqual(parts(20.9, 3), [7, 7, 6]);
  });

  test("never below 1: with more processes than calls each admits one", () => {
    assert.deepEqual(parts(1, 2), [1, 1]);
    assert.deepEqual(parts(3, 5), [1, 1, 1, 1, 1]);
  });
});

describe("RateLimiter with a share", () => {
  test("takes this process's part per account, action and one-second window", () => {
    let now = 5_000;
    const share: ProcessShare = { rank: 1, of: 3 };
    const limiter = new RateLimiter({ ...parseRateLimits("DescribeOrganization=20", {}), share: () => share }, () => now);
    const burst = (uin: number, action: string, n: number) => Array.from({ length: n }, () => limiter.take(uin, action)).filter(Boolean).length;
    assert.equal(burst(1, "DescribeOrganization", 30), 7);
    assert.equal(burst(2, "DescribeOrganization", 30), 7, "another account has its own count");
    assert.equal(burst(1, "ListUsers", 30), 7, "the default limit, 20, is shared too");
    now = 5_999;
    assert.equal(burst(1, "DescribeOrganization", 30), 0, "still the same window");
    now = 6_000;
    assert.equal(burst(1, "DescribeOrganization", 30), 7, "a new window");
  });

  test("the documented limit stays what limitFor reports (it is what clients are told)", () => {
    const limiter = new RateLimiter({ ...parseRateLimits(undefined, { GetUser: 50 }), share: () => ({ rank: 0, of: 2 }) }, () => 0);
    assert.equal(limiter.limitFor("GetUser"), 50);
    assert.equal(limiter.localLimitFor("GetUser"), 25);
    assert.equal(limiter.localLimitFor("Other"), 10);
  });

  test("a new share applies from the next call; calls already counted in the window stay counted", () => {
    let share: ProcessShare = { rank: 0, of: 1 };
    const limiter = new RateLimiter({ ...parseRateLimits("default=20", {}), share: () => share }, () => 0);
    const take = (n: number) => Array.from({ length: n }, () => limiter.take(1, "A")).filter(Boolean).length;
    assert.equal(take(8), 8);
    share = { rank: 0, of: 2 };
    assert.equal(take(5), 2, "10 in this window, 8 taken already");
    share = { rank: 0, of: 1 };
    assert.equal(take(20), 7, "13 counted so far (refused calls count, as they always did)");
  });

  test("one live process, or no share at all, is exactly the limit without a cluster", () => {
    let now = 0;
    const alone = new RateLimiter({ ...parseRateLimits("default=2.5", {}), share: () => ({ rank: 0, of: 1 }) }, () => now);
    const plain = new RateLimiter(parseRateLimits("default=2.5", {}), () => now);
    for (const t of [0, 10, 999, 1000, 1500, 2000]) {
      now = t;
      for (let i = 0; i < 4; i++) assert.equal(alone.take(1, "A"), plain.take(1, "A"), `call ${i} at ${t} ms`);
    }
  });

  test("off admits everything whatever the share", () => {
    const limiter = new RateLimiter({ ...parseRateLimits("off", {}), share: () => ({ rank: 5, of: 6 }) }, () => 0);
    assert.ok(Array.from({ length: 100 }, () => limiter.take(1, "A")).every(Boolean));
  });
});
