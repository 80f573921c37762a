/**
 * Directory benchmarks, through the official SDK over HTTP against the built server:
 * - paging: a page deep into 100,000 users (by NextToken) against the first page; goal ≤ 2,
 *   i.e. paging does not scan what it skips (Offset paging, which must, is shown for contrast);
 * - CreateUser throughput through the signed SDK path, against raw SQLite single-row insert
 *   transactions measured in the same run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import tencentcloud from "tencentcloud-sdk-nodejs";
import { cpuMicros, type Load, loadAmount, signedHeaders, startChild } from "./lib.js";

interface Seeded {
  port: number;
  secretId: string;
  secretKey: string;
  zoneId: string;
  deepToken?: string;
}

function client(info: Seeded) {
  return new tencentcloud.organization.v20210331.Client({
    credential: { secretId: info.secretId, secretKey: info.secretKey },
    region: "",
    profile: { httpProfile: { endpoint: `127.0.0.1:${info.port}`, protocol: "http://" } },
  });
}

async function meanMs(n: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await call(); // warm-up
  const t = performance.now();
  for (let i = 0; i < n; i++) await call();
  return (performance.now() - t) / n;
}

export interface PagingResult {
  users: number;
  firstMs: number;
  deepMs: number;
  offsetMs: number;
  ratio: number;
}

export async function benchPaging(users: number, samples: number): Promise<PagingResult> {
  const server = await startChild<Seeded>("opencic", { BENCH_USERS: String(users) });
  try {
    const org = client(server.info);
    const zone = server.info.zoneId;
    const first = await org.ListUsers({ ZoneId: zone, MaxResults: 100 });
    const deep = await org.ListUsers({ ZoneId: zone, MaxResults: 100, NextToken: server.info.deepToken });
    if (first.TotalCounts !== users || deep.Users?.length !== 100 || !deep.Users[0]?.UserName?.startsWith("seed")) {
      throw new Error(`unexpected pages: total ${first.TotalCounts}, deep ${deep.Users?.length}`);
    }
    const firstMs = await meanMs(samples, () => org.ListUsers({ ZoneId: zone, MaxResults: 100 }));
    const deepMs = await meanMs(samples, () => org.ListUsers({ ZoneId: zone, MaxResults: 100, NextToken: server.info.deepToken }));
    const offsetMs = await meanMs(Math.max(5, samples / 10), () => org.ListUsers({ ZoneId: zone, MaxResults: 100, Offset: users - 200 }));
    return { users, firstMs, deepMs, offsetMs, ratio: deepMs / firstMs };
  } finally {
    await server.stop();
  }
}

export interface CreateUserResult {
  created: number;
  perSecond: number;
  rawInsertsPerSecond: number;
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (user + system) per CreateUser, when /proc is available. */
  serverCpuMicros?: number;
}

/**
 * CreateUser through the signed path: each request is exactly what the SDK sends (the SDK's own TC3
 * signer over the JSON body), made before the load, one user each, sent by autocannon over
 * `concurrency` keep-alive connections. The SDK client itself is not the load generator: on this
 * 2-core machine it spends more CPU per call (~250 µs) than the server, so it would measure itself.
 * Afterwards the zone must hold exactly `count` users (an error is an HTTP 200 answer too).
 */
export async function benchCreateUser(count: number, concurrency: number): Promise<CreateUserResult> {
  const server = await startChild<Seeded>("opencic", { BENCH_ZONE: "1" });
  let load: Load;
  let serverCpuMicros: number | undefined;
  try {
    const requests = Array.from({ length: count }, (_, i) => {
      const body = JSON.stringify({ ZoneId: server.info.zoneId, UserName: `bench${i}`, Email: `bench${i}@example.com`, DisplayName: `Bench ${i}` });
      return { body, headers: signedHeaders({ ...server.info, action: "CreateUser", version: "2021-03-31", body }) };
    });
    let next = 0;
    const cpu0 = cpuMicros(server.proc.pid!);
    load = await loadAmount({
      url: `http://127.0.0.1:${server.info.port}/`,
      amount: count,
      connections: concurrency,
      next: () => requests[next++]!,
    });
    const cpu1 = cpuMicros(server.proc.pid!);
    if (cpu0 !== undefined && cpu1 !== undefined) serverCpuMicros = (cpu1 - cpu0) / count;
    const { TotalCounts } = await client(server.info).ListUsers({ ZoneId: server.info.zoneId, MaxResults: 1 });
    if (TotalCounts !== count || load.non2xx > 0 || load.errors > 0) throw new Error(`CreateUser: ${TotalCounts} users made of ${count} (${load.non2xx} non-2xx, ${load.errors} errors)`);
  } finally {
    await server.stop();
  }
  // The median of three: one pass lasts a fraction of a second, and this machine's speed drifts.
  const rawInsertsPerSecond = [0, 1, 2].map(() => rawSqliteInsertRate(Math.max(2000, count))).sort((a, b) => a - b)[1]!;
  return { created: count, perSecond: load.requestsPerSecond, rawInsertsPerSecond, ratio: load.requestsPerSecond / rawInsertsPerSecond, p50Ms: load.p50Ms, p99Ms: load.p99Ms, serverCpuMicros };
}

/** Baseline: one-row insert transactions on a WAL SQLite file, as a CreateUser commits one. */
function rawSqliteInsertRate(n: number): number {
  const dir = mkdtempSync(join(tmpdir(), "opencic-raw-"));
  try {
    const db = new Database(join(dir, "raw.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec("create table t (id text primary key, name text not null, email text not null, created_at integer not null)");
    const insert = db.prepare("insert into t values (?, ?, ?, ?)");
    const tx = db.transaction((i: number) => insert.run(`u-${i}`, `name${i}`, `e${i}@example.com`, Date.now()));
    const t = performance.now();
    for (let i = 0; i < n; i++) tx(i);
    const rate = n / ((performance.now() - t) / 1000);
    db.close();
    return rate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
