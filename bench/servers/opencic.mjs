// OpenCIC as `npm start` runs it (the built dist/, plain node): full stack on a fresh SQLite file,
// rate limits off, logging at warn. Prints {port, secretId, secretKey} when ready.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRateLimits } from "../../dist/core/rate-limit.js";
import { openRuntime } from "../../dist/runtime.js";
import { buildApp } from "../../dist/server/app.js";

const dataDir = mkdtempSync(join(tmpdir(), "opencic-bench-"));
const runtime = await openRuntime({ dataDir, databaseUrl: process.env.BENCH_DATABASE_URL });
const key = await runtime.core.accounts.bootstrap();
const caller = { accountUin: key.accountUin, principalUin: key.accountUin, isSubUser: false };
await runtime.core.subUsers.create(caller, { name: "bench", remark: "benchmark user", email: "bench@example.com" });
const app = await buildApp({ core: runtime.core, rateLimits: parseRateLimits("off", {}), logger: { level: "warn" } });
await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(JSON.stringify({ port: app.server.address().port, secretId: key.secretId, secretKey: key.secretKey }) + "\n");
process.on("SIGTERM", () => void app.close().then(() => runtime.close()).then(() => process.exit(0)));
