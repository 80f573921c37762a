/**
 * The process registry behind the shared rate limits: heartbeats, the live count and rank, the
 * dead forgotten, goodbye on stop, and a database that cannot be reached.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Kysely, PostgresDialect } from "kysely";
import { ManualClock, systemClock } from "../../src/core/clock.js";
import { type ClusterLog, ClusterShare } from "../../src/server/cluster.js";
import type { Store } from "../../src/store/database.js";
import type { Database } from "../../src/store/schema.js";
import { ENGINES, openTestStore, type TestStore } from "../helpers/harness.js";

function recorder() {
  const lines: { level: "info" | "warn"; obj: Record<string, unknown>; msg: string }[] = [];
  const log: ClusterLog = {
    info: (obj, msg) => lines.push({ level: "info", obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => lines.push({ level: "warn", obj: obj as Record<string, unknown>, msg }),
  };
  return { lines, log };
}

for (const engine of ENGINES) {
  describe(`cluster registry (${engine})`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(engine);
    });
    after(() => t.cleanup());
    const rows = () => t.store.db.selectFrom("cluster_processes").selectAll().orderBy("started_at").execute();
    const clear = () => t.store.db.deleteFrom("cluster_processes").execute();

    test("each beat counts the live processes and ranks them by start; a silent one is forgotten after liveMs", async () => {
      await clear();
      const clock = new ManualClock(1_000_000);
      const a = new ClusterShare(t.store, clock);
      clock.advance(10);
      const b = new ClusterShare(t.store, clock);
      await a.beat();
      assert.deepEqual(a.share(), { rank: 0, of: 1 });
      await b.beat();
      assert.deepEqual(b.share(), { rank: 1, of: 2 });
      assert.equal(a.liveProcesses, 1, "a learns of b at its next beat");
      await a.beat();
      assert.deepEqual(a.share(), { rank: 0, of: 2 });
      // b stops beating: still live 3 s after its last beat, gone after.
      clock.advance(3000);
      await a.beat();
      assert.deepEqual(a.share(), { rank: 0, of: 2 });
      clock.advance(1);
      await a.beat();
      assert.deepEqual(a.share(), { rank: 0, of: 1 });
      assert.deepEqual((await rows()).map((r) => r.process_id), [a.processId], "the dead row is deleted");
      // b comes back (a long pause, not a death): it registers again under its first start, so it ranks first.
      await b.beat();
      await a.beat();
      assert.deepEqual([a.share(), b.share()], [{ rank: 0, of: 2 }, { rank: 1, of: 2 }]);
    });

    test("a database that cannot be reached keeps the last share, never throws, and logs at most once a minute", async () => {
      await clear();
      const clock = new ManualClock(2_000_000);
      const other = new ClusterShare(t.store, clock);
      await other.beat();
      clock.advance(10);
      const store = await t.reopen();
      const { lines, log } = recorder();
      // Beats are driven by hand here: the timer's first beat is an hour away.
      const c = new ClusterShare(store, clock, { quietMs: 60_000, intervalMs: 3_600_000, joinMs: 0 });
      await c.start(log);
      await c.beat();
      assert.deepEqual(c.share(), { rank: 1, of: 2 });
      await store.close();
      for (let i = 0; i < 30; i++) {
        clock.advance(1000);
        await c.beat();
      }
      assert.deepEqual(c.share(), { rank: 1, of: 2 });
      const warnings = lines.filter((l) => l.level === "warn");
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]!.obj.failures, 1);
      // The first failure was logged at +1 s; the next line comes a minute later, with the failures so far.
      clock.advance(30_000);
      await c.beat();
      assert.equal(lines.filter((l) => l.level === "warn").length, 1);
      clock.advance(1000);
      await c.beat();
      assert.equal(lines.filter((l) => l.level === "warn").length, 2);
      assert.equal(lines.at(-1)!.obj.failures, 32);
      await c.stop();
    });

    if (engine === "sqlite") {
      test("on SQLite start registers nothing and the share stays whole", async () => {
        await clear();
        const c = new ClusterShare(t.store, systemClock);
        await c.start();
        assert.deepEqual(c.share(), { rank: 0, of: 1 });
        assert.deepEqual(await rows(), []);
        await c.stop();
      });
    } else {
      test("start registers and renews on a timer, waits for the others when it joins, and stop removes the row", async () => {
        await clear();
        const { lines, log } = recorder();
        const a = new ClusterShare(t.store, systemClock, { intervalMs: 50 });
        await a.start(log);
        assert.deepEqual(a.share(), { rank: 0, of: 1 });
        assert.deepEqual(lines.map((l) => l.obj), [{ liveProcesses: 1, rank: 0 }]);
        const first = (await rows())[0]!.heartbeat_at;
        const b = new ClusterShare(t.store, systemClock, { intervalMs: 50 });
        const joining = Date.now();
        await b.start();
        // b waited 1.5 beats after finding a before it would serve, so that a has a beat meanwhile
        // (on a loaded machine a's timer may still be late: that is waited for, not assumed).
        assert.ok(Date.now() - joining >= 75, "b waited 1.5 beats before serving");
        assert.deepEqual(b.share(), { rank: 1, of: 2 });
        for (const deadline = Date.now() + 10_000; a.share().of !== 2; ) {
          assert.ok(Date.now() < deadline, "a never saw b join");
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.deepEqual(a.share(), { rank: 0, of: 2 });
        assert.ok((await rows())[0]!.heartbeat_at > first, "a's heartbeat was renewed");
        assert.deepEqual(lines.at(-1)!.obj, { liveProcesses: 2, rank: 0 });
        await b.stop();
        assert.deepEqual((await rows()).map((r) => r.process_id), [a.processId]);
        const deadline = Date.now() + 10_000;
        while (a.liveProcesses !== 1) {
          assert.ok(Date.now() < deadline, "a never saw b leave");
          await new Promise((r) => setTimeout(r, 10));
        }
        await a.stop();
        assert.deepEqual(await rows(), []);
      });
    }
  });
}

test("a database that never answers holds up neither start nor stop for longer than liveMs", async () => {
  // A PostgreSQL pool whose connections never come: every query hangs.
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: { connect: () => new Promise(() => {}), end: async () => {} } }) });
  const store: Store = { db, engine: "postgres", close: () => db.destroy() };
  const { lines, log } = recorder();
  const c = new ClusterShare(store, systemClock, { intervalMs: 20, liveMs: 100 });
  await c.start(log);
  assert.deepEqual(c.share(), { rank: 0, of: 1 }, "the whole limits until a beat answers");
  await c.stop();
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      ["warn", "the first cluster heartbeat has not answered; serving with the whole rate limits until one does"],
      ["warn", "could not remove this process from the cluster registry in time"],
    ],
  );
});
