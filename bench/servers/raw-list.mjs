// Contrast for the list rows of the read mix: ListUsers' first page of 10 as a plain fastify route
// would answer it, with none of OpenCIC's work (no signature, no parameter checks, no zone lookup, no
// signed NextToken). What is left is what every implementation of that answer does on this stack: a
// prepared better-sqlite3 statement reads 11 rows (one more tells whether more follow), a map gives
// them Tencent's field names and times, and fastify's response schema (fast-json-stringify) writes
// them. The same 100 users as the read mix's zone, in a table of the same shape, WAL as OpenCIC runs it.
import Database from "better-sqlite3";
import Fastify from "fastify";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dataDir = mkdtempSync(join(tmpdir(), "opencic-raw-list-"));
const db = new Database(join(dataDir, "raw.db"));
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.exec(`create table users (user_id text primary key, zone_id text not null, user_name text not null, first_name text not null,
  last_name text not null, display_name text not null, description text not null, email text not null, user_status text not null,
  user_type text not null, need_reset_password integer not null, created_at integer not null, updated_at integer not null);
  create index users_page on users (zone_id, created_at, user_id);`);
const insert = db.prepare("insert into users values (?, ?, ?, '', '', ?, '', ?, 'Enabled', 'Manual', 0, ?, ?)");
const t0 = Date.now();
db.transaction(() => {
  for (let i = 0; i < 100; i++) insert.run(`u-${String(i).padStart(12, "0")}`, "z-bench", `reader${i}`, `Reader ${i}`, `reader${i}@example.com`, t0 + i, t0 + i);
})();
const page = db
  .prepare("select user_id, user_name, first_name, last_name, display_name, description, email, user_status, user_type, need_reset_password, created_at, updated_at from users where zone_id = ? order by created_at, user_id limit ?")
  .raw(true);

// Tencent's times (Beijing, no zone), each formatted once.
const times = new Map();
const time = (ms) => {
  let t = times.get(ms);
  if (t === undefined) times.set(ms, (t = new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ")));
  return t;
};

const str = { type: "string" };
const user = { type: "object", properties: Object.fromEntries(["UserName", "FirstName", "LastName", "DisplayName", "Description", "Email", "UserStatus", "UserType", "UserId", "CreateTime", "UpdateTime"].map((k) => [k, str]).concat([["IsSelected", { type: "boolean" }], ["NeedResetPassword", { type: "boolean" }]])) };
const schema = {
  response: {
    200: {
      type: "object",
      properties: {
        Response: {
          type: "object",
          properties: { TotalCounts: { type: "integer" }, MaxResults: { type: "integer" }, IsTruncated: { type: "boolean" }, NextToken: str, Users: { type: "array", items: user }, RequestId: str },
        },
      },
    },
  },
};

const app = Fastify({ logger: false });
app.post("/", { schema }, async (req) => {
  const limit = req.body?.MaxResults ?? 10;
  const rows = page.all("z-bench", limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    Response: {
      TotalCounts: 100,
      MaxResults: limit,
      IsTruncated: rows.length > limit,
      NextToken: rows.length > limit ? Buffer.from(JSON.stringify([last[10], last[0]])).toString("base64url") : null,
      Users: items.map((u) => ({ UserName: u[1], FirstName: u[2], LastName: u[3], DisplayName: u[4], Description: u[5], Email: u[6], UserStatus: u[7], UserType: u[8], UserId: u[0], CreateTime: time(u[10]), UpdateTime: time(u[11]), IsSelected: false, NeedResetPassword: u[9] === 1 })),
      RequestId: "00000000-0000-4000-8000-000000000000",
    },
  };
});
await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(JSON.stringify({ port: app.server.address().port }) + "\n");
process.on("SIGTERM", () =>
  void app.close().then(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }),
);
