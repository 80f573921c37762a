/**
 * Signed read through the full stack (cam GetUser, TC3-signed, SQLite) against a hello-world
 * fastify route on the same machine, measured in one run. Goal: ratio ≥ 0.5.
 *
 * Both servers run side by side (the idle one costs nothing) and are treated alike: the same
 * unmeasured warm-up, then short loads taken in turn, baseline first in every round, each server
 * loaded for `seconds` in all. Taking them in turn means a change in the machine's load from other
 * processes during the run falls on both rather than on whichever ran second.
 */
import assert from "node:assert/strict";
import { cpuMicros, type Load, load, signedHeaders, startChild } from "./lib.js";

export interface HttpReadResult {
  baseline: Load;
  opencic: Load;
  ratio: number;
  /** opencic / baseline in each round, to show the spread. */
  roundRatios: number[];
  /** Server CPU (user + system) per request over the measured loads, when /proc is available. */
  baselineCpuMicrosPerRequest?: number;
  opencicCpuMicrosPerRequest?: number;
}

const WARMUP_SECONDS = 2;
const ROUND_SECONDS = 2;

export async function benchHttpRead(seconds: number): Promise<HttpReadResult> {
  const body = JSON.stringify({ Name: "bench" });
  const hello = await startChild<{ port: number }>("hello");
  const server = await startChild<{ port: number; secretId: string; secretKey: string }>("opencic");
  try {
    const baseline = { url: `http://127.0.0.1:${hello.info.port}/`, headers: { "Content-Type": "application/json" }, body };
    const subject = { url: `http://127.0.0.1:${server.info.port}/`, headers: signedHeaders({ ...server.info, action: "GetUser", version: "2019-01-16", body }), body };
    // The load counts answers, and an error is an HTTP 200 answer too: check the answer itself, before and after.
    const probe = async () => {
      const answer = (await (await fetch(subject.url, { method: "POST", headers: subject.headers, body })).json()) as { Response: { Name?: string; Error?: unknown } };
      assert.equal(answer.Response.Name, "bench", `the signed request must succeed: ${JSON.stringify(answer)}`);
    };
    await probe();

    await load({ ...baseline, seconds: WARMUP_SECONDS });
    await load({ ...subject, seconds: WARMUP_SECONDS });

    const rounds = Math.max(1, Math.round(seconds / ROUND_SECONDS));
    const b: Load[] = [];
    const s: Load[] = [];
    let baselineCpu = 0;
    let opencicCpu = 0;
    for (let i = 0; i < rounds; i++) {
      const b0 = cpuMicros(hello.proc.pid!);
      b.push(await load({ ...baseline, seconds: seconds / rounds }));
      baselineCpu += (cpuMicros(hello.proc.pid!) ?? NaN) - (b0 ?? NaN);
      const s0 = cpuMicros(server.proc.pid!);
      s.push(await load({ ...subject, seconds: seconds / rounds }));
      opencicCpu += (cpuMicros(server.proc.pid!) ?? NaN) - (s0 ?? NaN);
    }
    await probe();
    const bl = combine(b);
    const op = combine(s);
    return {
      baseline: bl,
      opencic: op,
      ratio: op.requestsPerSecond / bl.requestsPerSecond,
      roundRatios: s.map((x, i) => x.requestsPerSecond / b[i]!.requestsPerSecond),
      baselineCpuMicrosPerRequest: Number.isFinite(baselineCpu) ? baselineCpu / bl.requests : undefined,
      opencicCpuMicrosPerRequest: Number.isFinite(opencicCpu) ? opencicCpu / op.requests : undefined,
    };
  } finally {
    await server.stop();
    await hello.stop();
  }
}

/** All rounds as one load: requests over time; latencies are the median of the rounds' percentiles. */
function combine(loads: Load[]): Load {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const requests = loads.reduce((n, l) => n + l.requests, 0);
  const seconds = loads.reduce((n, l) => n + l.seconds, 0);
  return {
    requestsPerSecond: requests / seconds,
    p50Ms: median(loads.map((l) => l.p50Ms)),
    p99Ms: median(loads.map((l) => l.p99Ms)),
    errors: loads.reduce((n, l) => n + l.errors, 0),
    non2xx: loads.reduce((n, l) => n + l.non2xx, 0),
    requests,
    seconds,
  };
}
