/** Ids: the shapes the vendors' ids have, and ordered ids increasing and never repeating within a process. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { orderedId, prefixedId } from "../../src/core/ids.js";

test("ordered ids have the shape of every CIC id and increase, many to a millisecond, without repeating", () => {
  const ids = Array.from({ length: 200_000 }, () => orderedId("u-"));
  for (const id of ids) assert.match(id, /^u-[a-z0-9]{12}$/);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} then ${ids[i]}`);
  assert.equal(new Set(ids).size, ids.length);
});

test("ordered ids begin with the time they were made", async () => {
  const before = Date.now();
  const id = orderedId("g-");
  const after = Date.now();
  const ms = parseInt(id.slice(2, 10), 36);
  // The counter may have carried the millisecond forward by the ids made before (the previous test's burst).
  assert.ok(ms >= before - 1 && ms <= after + 200, `${ms} not near ${before}`);
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(orderedId("g-") > id);
});

test("random ids have the same shape", () => {
  assert.match(prefixedId("u-"), /^u-[a-z0-9]{12}$/);
  assert.match(prefixedId("up-", 20), /^up-[a-z0-9]{20}$/);
});

// Last: it leaves the ids' clock in 2030 for the rest of this file.
test("when a millisecond's counter runs out, ordered ids go on into the next millisecond, still increasing", (t) => {
  t.mock.timers.enable({ apis: ["Date"], now: Date.UTC(2030, 0, 1) });
  let previous = orderedId("u-");
  // More ids than one millisecond's counter holds, all made while the clock stands still.
  for (let i = 0; i < 36 ** 4; i++) {
    const id = orderedId("u-");
    if (!(previous < id)) assert.fail(`${previous} then ${id}`);
    previous = id;
  }
  assert.equal(parseInt(previous.slice(2, 10), 36), Date.UTC(2030, 0, 1) + 1);
  // The clock catches up: ids go on from the clock's time once it passes the carried one.
  t.mock.timers.tick(5);
  const later = orderedId("u-");
  assert.ok(later > previous);
  assert.equal(parseInt(later.slice(2, 10), 36), Date.UTC(2030, 0, 1) + 5);
});
