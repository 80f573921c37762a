/**
 * Rate limits hold for the cluster, not per process: two `opencic serve` processes on one
 * PostgreSQL database refuse a burst split across both about as one process refuses it alone.
 *
 * Windows are fixed seconds, so a burst that straddles a second boundary is allowed a second
 * window's worth. The test starts each burst just after a boundary, and does not assume the burst
 * fit in one second: each call is known to have been counted in some second between its sending and
 * its answer (server and client share the machine's clock), and the admitted calls are checked
 * against the limit for every run of consecutive seconds, counting the calls that were sent and
 * answered within the run (Hall's condition: exactly when the admitted calls can be placed in
 * seconds with at most LIMIT in each).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, test } from "node:test";
import { openRuntime } from "../../src/runtime.js";
import { type Key, orgClient, TEST_DATABASE_URL, throwawaySchema } from "../helpers/harness.js";
import { removeTempDirs, type Served, serve, tempDir } from "../helpers/process.js";

after(removeTempDirs);

const ACTION = "DescribeOrganization";
const LIMIT = 20;
const BURST = 200;

interface Call {
  /** Index of the process the call went to. */
  to: number;
  admitted: boolean;
  /** The seconds (epoch s) the call was sent and answered in; it was counted in one of them or between. */
  sent: number;
  answered: number;
}

/** Sends BURST calls of ACTION at once, alternating over `servers`, starting just after a second boundary. */
async function burst(servers: Served[], root: Key): Promise<Call[]> {
  const clients = servers.map((s) => orgClient(s, root));
  // Each process has answered this action before (and in an earlier window), so the burst is not slowed by first-call work.
  for (const c of clients) await c.DescribeOrganization({});
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
  return Promise.all(
    Array.from({ length: BURST }, async (_, i): Promise<Call> => {
      const to = i % clients.length;
      const sent = Math.floor(Date.now() / 1000);
      let admitted = true;
      try {
        await clients[to]!.DescribeOrganization({});
      } catch (e) {
        const code = (e as { code?: string }).code;
        assert.equal(code, "RequestLimitExceeded", `call ${i}: ${String(e)}`);
        admitted = false;
      }
      return { to, admitted, sent, answered: Math.floor(Date.now() / 1000) };
    }),
  );
}

/** The admitted calls fit `limit` per second: for every run of consecutive seconds, those sent and answered within it are at most `limit` per second of the run. */
function checkWithinLimit(calls: Call[], limit: number, what: string): void {
  const admitted = calls.filter((c) => c.admitted);
  const first = Math.min(...calls.map((c) => c.sent));
  const last = Math.max(...calls.map((c) => c.answered));
  for (let from = first; from <= last; from++) {
    for (let to = from; to <= last; to++) {
      const inside = admitted.filter((c) => c.sent >= from && c.answered <= to).length;
      const allowed = limit * (to - from + 1);
      assert.ok(inside <= allowed, `${what}: ${inside} calls admitted within ${to - from + 1} s (${from}…${to}), at most ${allowed} allowed`);
    }
  }
}

/** Seconds the burst was spread over, from its first sending to its last answer. */
const secondsOf = (calls: Call[]) => Math.max(...calls.map((c) => c.answered)) - Math.min(...calls.map((c) => c.sent)) + 1;
const admittedBy = (calls: Call[], to?: number) => calls.filter((c) => c.admitted && (to === undefined || c.to === to)).length;

/** The live-process count each server last logged (its share of the rate limits). */
function liveSeenBy(s: Served): number | undefined {
  let seen: number | undefined;
  for (const line of s.output().split("\n")) {
    const m = /"liveProcesses":(\d+)/.exec(line);
    if (m) seen = Number(m[1]);
  }
  return seen;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// PostgreSQL only: on SQLite one process owns the database, and the two-process case does not exist.
if (TEST_DATABASE_URL) {
  test(`a burst of ${BURST} ${ACTION} calls (${LIMIT}/s) split across two processes on one PostgreSQL database is refused as by one process`, async (t) => {
    const { url: databaseUrl, drop } = await throwawaySchema("rl");
    const env = { OPENCIC_MASTER_KEY: randomBytes(32).toString("hex"), OPENCIC_RATE_LIMITS: `${ACTION}=${LIMIT}` };
    const servers: Served[] = [];
    try {
      const rt = await openRuntime({ dataDir: tempDir(), databaseUrl, masterKey: env.OPENCIC_MASTER_KEY });
      const created = (await rt.core.accounts.bootstrap())!;
      await rt.close();
      const root: Key = { secretId: created.secretId, secretKey: created.secretKey };

      // One process alone.
      const a = await serve(["--data-dir", tempDir(), "--database", databaseUrl], env);
      servers.push(a);
      assert.equal(liveSeenBy(a), 1);
      await orgClient(a, root).CreateOrganization();
      const alone = await burst([a], root);
      checkWithinLimit(alone, LIMIT, "one process");

      // A second process joins; both take their share once each has seen the other.
      const b = await serve(["--data-dir", tempDir(), "--database", databaseUrl], env);
      servers.push(b);
      await until("both processes see two live processes", () => liveSeenBy(a) === 2 && liveSeenBy(b) === 2);
      const split = await burst([a, b], root);
      checkWithinLimit(split, LIMIT, "two processes together");
      for (const [i, s] of ["first", "second"].entries()) checkWithinLimit(split.filter((c) => c.to === i), LIMIT / 2, `the ${s} process`);

      const refusedAlone = BURST - admittedBy(alone);
      const refusedSplit = BURST - admittedBy(split);
      t.diagnostic(
        `one process: ${admittedBy(alone)} admitted, ${refusedAlone} refused over ${secondsOf(alone)} s; ` +
          `two: ${admittedBy(split, 0)} + ${admittedBy(split, 1)} admitted, ${refusedSplit} refused over ${secondsOf(split)} s`,
      );
      // Each process admits at least its share: in every second it admits its share, or all the calls it got in that second.
      assert.ok(admittedBy(alone) >= LIMIT && admittedBy(split, 0) >= LIMIT / 2 && admittedBy(split, 1) >= LIMIT / 2);
      // So: as many refusals as one process gives, within 10 % of the burst and a limit's worth per extra second either burst took.
      const extraSeconds = Math.max(secondsOf(alone), secondsOf(split)) - 1;
      assert.ok(Math.abs(refusedSplit - refusedAlone) <= 0.1 * BURST + LIMIT * extraSeconds, `refused ${refusedSplit} by two processes, ${refusedAlone} by one`);
    } finally {
      for (const s of servers) await s.stop();
      await drop();
    }
  });
}
