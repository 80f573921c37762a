/** End-of-turn work (src/lib/turn-end.ts): what the pipeline's requests and their answers wait for. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { atTurnEnd, runTurnEnd } from "../../src/lib/turn-end.js";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test("work queued at the turn's end by work of the turn's end runs in the same run", async () => {
  const ran: string[] = [];
  atTurnEnd(() => {
    ran.push("requests");
    // The pipeline's requests queue their answers while they run.
    atTurnEnd(() => ran.push("answers"));
  });
  runTurnEnd();
  assert.deepEqual(ran, ["requests", "answers"]);
  await nextTurn();
  assert.deepEqual(ran, ["requests", "answers"], "nothing runs twice");
});
