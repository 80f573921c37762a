/**
 * The read mix: signed reads through the full stack, each against a hello-world fastify route on the
 * same machine, measured in one run. Goal: every row ≥ 0.5.
 *
 * Tencent rows are TC3-signed as the SDK signs (one signature serves a row's whole load: TC3 has no
 * nonce). Alibaba rows are V3-signed as @alicloud/openapi-client signs, each request with its own
 * nonce (the server refuses a nonce used twice), so their signed headers are made before the load and
 * handed out one per request; the baseline gets the same requests handed out the same way, so the
 * load generator does the same work for both servers.
 *
 * Both servers run side by side (the idle one costs nothing) and are treated alike: the same warm-up,
 * then short loads taken in turn, baseline first in every round. Taking them in turn means a change
 * in the machine's load from other processes falls on both rather than on whichever ran second.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import OpenApiUtilModule from "@alicloud/openapi-util";
import { cpuMicros, type Load, load, signedHeaders, startChild } from "./lib.js";

const OpenApiUtil = ((OpenApiUtilModule as unknown as { default?: typeof OpenApiUtilModule }).default ?? OpenApiUtilModule) as unknown as {
  getAuthorization(request: unknown, algorithm: string, payloadHash: string, keyId: string, secret: string): string;
};

interface Seeded {
  port: number;
  secretId: string;
  secretKey: string;
  zoneId: string;
  userId: string;
  provisioningId: string;
  taskId: string;
}

/** How a row's requests are made: a path (with its query) and headers, the same for every request or one set each. */
export interface Requests {
  /** POST unless said (the SCIM row reads by GET). */
  method?: "GET" | "POST";
  path: string;
  body: string;
  headers?: Record<string, string>;
  /** One header set per request, used once each by the server under test (nonces). */
  perRequest?: Record<string, string>[];
}

export interface Row<T = Seeded> {
  name: string;
  door: "Tencent TC3" | "Alibaba V3" | "SCIM bearer" | "unsigned";
  requests(info: T, expectedRequests: number): Requests;
  /** The answer of a correct request (checked before and after the load: a load counts errors as answers too). */
  check(answer: Record<string, unknown>): void;
}

const tencent = (product: string, action: string, version: string, params: (info: Seeded) => object, check: (r: Record<string, unknown>) => void): Row => ({
  name: `${product} ${action}`,
  door: "Tencent TC3",
  requests: (info) => {
    const body = JSON.stringify(params(info));
    return { path: "/", body, headers: signedHeaders({ ...info, action, version, body }) };
  },
  check: (answer) => {
    const r = (answer as { Response: Record<string, unknown> }).Response;
    assert.ok(!r.Error, `${action}: ${JSON.stringify(r.Error)}`);
    check(r);
  },
});

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const aliyun = (product: string, action: string, version: string, query: (info: Seeded) => Record<string, string>, check: (r: Record<string, unknown>) => void): Row => ({
  name: `${product} ${action}`,
  door: "Alibaba V3",
  requests: (info, expected) => {
    const q = query(info);
    const payloadHash = createHash("sha256").update("").digest("hex");
    const date = isoSeconds(Date.now());
    const perRequest = Array.from({ length: expected }, () => {
      const headers: Record<string, string> = {
        host: `127.0.0.1:${info.port}`,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date,
        "x-acs-signature-nonce": randomBytes(16).toString("hex"),
        "x-acs-content-sha256": payloadHash,
      };
      headers.authorization = OpenApiUtil.getAuthorization({ pathname: "/", method: "POST", query: q, headers }, "ACS3-HMAC-SHA256", payloadHash, info.secretId, info.secretKey);
      const { host: _host, ...sent } = headers;
      return { ...sent, "content-type": "application/x-www-form-urlencoded" };
    });
    return { path: `/?${new URLSearchParams(q)}`, body: "", perRequest };
  },
  check: (answer) => {
    assert.ok(!answer.Code, `${action}: ${JSON.stringify(answer)}`);
    check(answer);
  },
});

const ORG = "2021-03-31";
const directoryId = (info: Seeded) => info.zoneId.replace(/^z-/, "d-");

export const READ_ROWS: Row[] = [
  tencent("organization", "GetProvisioningTaskStatus", ORG, (i) => ({ ZoneId: i.zoneId, TaskId: i.taskId }), (r) => assert.equal((r.TaskStatus as { Status: string }).Status, "Success")),
  tencent("organization", "DescribeIdentityCenter", ORG, () => ({}), (r) => assert.equal(r.ServiceStatus, "Enabled")),
  tencent("organization", "GetUserSyncProvisioning", ORG, (i) => ({ ZoneId: i.zoneId, UserProvisioningId: i.provisioningId }), (r) => assert.ok(r.UserProvisioning)),
  tencent("organization", "GetUser", ORG, (i) => ({ ZoneId: i.zoneId, UserId: i.userId }), (r) => assert.ok(r.UserInfo)),
  tencent("organization", "ListUsers", ORG, (i) => ({ ZoneId: i.zoneId, MaxResults: 10 }), (r) => assert.equal((r.Users as unknown[]).length, 10)),
  tencent("organization", "DescribeOrganizationMembers", ORG, () => ({ Offset: 0, Limit: 10 }), (r) => assert.equal((r.Items as unknown[]).length, 10)),
  tencent("cam", "GetUser", "2019-01-16", () => ({ Name: "bench" }), (r) => assert.equal(r.Name, "bench")),
  aliyun("cloudsso", "GetUser", "2021-05-15", (i) => ({ DirectoryId: directoryId(i), UserId: i.userId }), (r) => assert.ok(r.User)),
  aliyun("cloudsso", "GetUserProvisioning", "2021-05-15", (i) => ({ DirectoryId: directoryId(i), UserProvisioningId: i.provisioningId }), (r) => assert.ok(r.UserProvisioning)),
];

/**
 * The contrast for the list rows: ListUsers' first page of 10 from a plain fastify route written the
 * usual way, with none of OpenCIC's work (bench/servers/raw-list.mjs), against the same hello-world
 * baseline: how far from the baseline the answer itself puts a list, before any signature or check.
 */
const RAW_LIST_ROW: Row<{ port: number }> = {
  name: "ListUsers first page of 10 from a plain fastify route (better-sqlite3, response schema; no signature, checks or token MAC)",
  door: "unsigned",
  requests: () => ({ path: "/", body: JSON.stringify({ MaxResults: 10 }), headers: { "content-type": "application/json" } }),
  check: (answer) => assert.equal(((answer as { Response: { Users: unknown[] } }).Response.Users).length, 10),
};

export async function benchRawList(seconds: number): Promise<ReadResult> {
  const hello = await startChild<{ port: number }>("hello");
  const raw = await startChild<{ port: number }>("raw-list");
  try {
    return await benchRow(RAW_LIST_ROW, hello, raw, seconds);
  } finally {
    await raw.stop();
    await hello.stop();
  }
}

export interface ReadResult {
  name: string;
  door: Row["door"];
  baseline: Load;
  opencic: Load;
  ratio: number;
  roundRatios: number[];
  baselineCpuMicrosPerRequest?: number;
  opencicCpuMicrosPerRequest?: number;
}

const WARMUP_SECONDS = 1;
const ROUND_SECONDS = 2;
/** Alibaba header sets made per second of load on the server under test: above what it can answer here. */
const SIGNED_PER_SECOND = 40_000;

export type Server<T> = Awaited<ReturnType<typeof startChild<T>>>;

/** Every row (or those whose name contains `filter`), each against the baseline in the same run. */
export async function benchReadMix(seconds: number, filter?: string): Promise<ReadResult[]> {
  const hello = await startChild<{ port: number }>("hello");
  const server = await startChild<Seeded>("opencic", { BENCH_READS: "1" });
  const results: ReadResult[] = [];
  try {
    for (const row of READ_ROWS) {
      if (filter && !row.name.includes(filter)) continue;
      results.push(await benchRow(row, hello, server, seconds));
      console.log(`  ${row.name} (${row.door}): ${results.at(-1)!.ratio.toFixed(2)}`);
    }
  } finally {
    await server.stop();
    await hello.stop();
  }
  return results;
}

/** One row: its server and the baseline side by side, the same warm-up, then alternating loads. */
export async function benchRow<T extends { port: number }>(row: Row<T>, hello: Server<{ port: number }>, server: Server<T>, seconds: number): Promise<ReadResult> {
  const rounds = Math.max(1, Math.round(seconds / ROUND_SECONDS));
  const reqs = row.requests(server.info, Math.ceil((seconds + WARMUP_SECONDS) * SIGNED_PER_SECOND));
  // The server under test gets each Alibaba header set once; the baseline goes round the same sets.
  let next = 0;
  let nextBaseline = 0;
  const take = () => reqs.perRequest![next++ % reqs.perRequest!.length]!;
  const takeBaseline = () => reqs.perRequest![nextBaseline++ % reqs.perRequest!.length]!;
  const ask = async () => {
    const res = await fetch(`http://127.0.0.1:${server.info.port}${reqs.path}`, { method: reqs.method ?? "POST", headers: reqs.headers ?? take(), body: reqs.body === "" ? undefined : reqs.body });
    row.check((await res.json()) as Record<string, unknown>);
  };
  const target = (port: number, seconds: number) => ({
    url: `http://127.0.0.1:${port}${reqs.path}`,
    method: reqs.method,
    headers: reqs.headers ?? {},
    body: reqs.body,
    seconds,
    ...(reqs.perRequest ? { next: port === hello.info.port ? takeBaseline : take } : {}),
  });
  await ask();
  await load(target(hello.info.port, WARMUP_SECONDS));
  await load(target(server.info.port, WARMUP_SECONDS));
  const b: Load[] = [];
  const s: Load[] = [];
  let baselineCpu = 0;
  let opencicCpu = 0;
  for (let i = 0; i < rounds; i++) {
    const b0 = cpuMicros(hello.proc.pid!);
    b.push(await load(target(hello.info.port, seconds / rounds)));
    baselineCpu += (cpuMicros(hello.proc.pid!) ?? NaN) - (b0 ?? NaN);
    const s0 = cpuMicros(server.proc.pid!);
    s.push(await load(target(server.info.port, seconds / rounds)));
    opencicCpu += (cpuMicros(server.proc.pid!) ?? NaN) - (s0 ?? NaN);
  }
  await ask();
  const bl = combine(b);
  const op = combine(s);
  if (op.non2xx > 0 || op.errors > 0) throw new Error(`${row.name}: ${op.non2xx} non-2xx answers and ${op.errors} errors under load`);
  return {
    name: row.name,
    door: row.door,
    baseline: bl,
    opencic: op,
    ratio: op.requestsPerSecond / bl.requestsPerSecond,
    roundRatios: s.map((x, i) => x.requestsPerSecond / b[i]!.requestsPerSecond),
    baselineCpuMicrosPerRequest: Number.isFinite(baselineCpu) ? baselineCpu / bl.requests : undefined,
    opencicCpuMicrosPerRequest: Number.isFinite(opencicCpu) ? opencicCpu / op.requests : undefined,
  };
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
