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
import { startChild } from "./lib.js";

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
}

export async function benchCreateUser(count: number, concurrency: number): Promise<CreateUserResult> {
  const server = await startChild<Seeded>("opencic", { BENCH_ZONE: "1" });
  let perSecond: number;
  try {
    const org = client(server.info);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        await org.CreateUser({ ZoneId: server.info.zoneId, UserName: `bench${i}`, Email: `bench${i}@example.com`, DisplayName: `Bench ${i}` });
      }
    };
    const t = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    perSecond = count / ((performance.now() - t) / 1000);
  } finally {
    await server.stop();
  }
  const rawInsertsPerSecond = rawSqliteInsertRate(Math.max(2000, count));
  return { created: count, perSecond, rawInsertsPerSecond, ratio: perSecond / rawInsertsPerSecond };
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
