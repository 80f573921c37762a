import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FastifyReply } from "fastify";
import { yieldTurn } from "../../src/lib/turn-end.js";
import { ReplyBatch } from "../../src/server/reply-batch.js";

const fakeReply = (onSend: (body: unknown) => void) => ({ send: onSend }) as unknown as FastifyReply;

describe("reply batch", () => {
  it("writes the turn's answers at its end, in order, and a send that throws neither stops the others nor escapes", async () => {
    const sent: unknown[] = [];
    const failed: [string, unknown][] = [];
    const written: string[] = [];
    const batch = new ReplyBatch<string>((id) => written.push(id), (id, err) => failed.push([id, err]));
    batch.send(fakeReply((b) => sent.push(b)), "a", "r1");
    batch.send(fakeReply(() => {
      throw new Error("socket gone wrong");
    }), "b", "r2");
    batch.send(fakeReply((b) => sent.push(b)), "c", "r3");
    assert.deepEqual(sent, [], "nothing is written before the turn ends");
    assert.deepEqual(written, [], "nor reported as written");
    await yieldTurn();
    assert.deepEqual(sent, ["a", "c"]);
    assert.deepEqual(written, ["r1", "r2", "r3"], "each answer is reported once its send is done, a failed one too");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]![0], "r2");
    assert.match(String(failed[0]![1]), /socket gone wrong/);
  });

  it("a report that throws neither stops the batch nor escapes", async () => {
    const sent: unknown[] = [];
    const failed: string[] = [];
    const batch = new ReplyBatch<string>(
      (id) => {
        if (id === "r1") throw new Error("logger broke");
      },
      (id) => failed.push(id),
    );
    batch.send(fakeReply((b) => sent.push(b)), "a", "r1");
    batch.send(fakeReply((b) => sent.push(b)), "b", "r2");
    await yieldTurn();
    assert.deepEqual(sent, ["a", "b"]);
    assert.deepEqual(failed, ["r1"]);
  });

  it("long work that yields lets the batched answers out before it resumes", async () => {
    const order: string[] = [];
    const batch = new ReplyBatch<string>(() => {}, () => {});
    // Long work that yielded before this turn's answers were made: its immediate is queued first.
    const resumed = yieldTurn().then(() => order.push("long work"));
    batch.send(fakeReply(() => order.push("answer")), "x", "r1");
    await resumed;
    assert.deepEqual(order, ["answer", "long work"]);
  });
});
