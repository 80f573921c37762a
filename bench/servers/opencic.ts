/**
 * OpenCIC as `opencic serve` runs it (full stack: raw body, TC3 verification, credential lookup,
 * schema validation, core, store), on a fresh SQLite file, rate limits off, logging at warn.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRateLimits } from "../../src/core/rate-limit.js";
import { TENCENT_RATE_LIMITS } from "../../src/dialects/tencent/front-door.js";
import { openRuntime } from "../../src/runtime.js";
import { buildApp } from "../../src/server/app.js";

const dataDir = mkdtempSync(join(tmpdir(), "opencic-bench-"));
const runtime = await openRuntime({ dataDir, databaseUrl: process.env.BENCH_DATABASE_URL });
const key = await runtime.core.accounts.bootstrap();
if (!key) throw new Error("expected an empty store");
const caller = { accountUin: key.accountUin, principalUin: key.accountUin, isSubUser: false };
await runtime.core.subUsers.create(caller, { name: "bench", remark: "benchmark user", email: "bench@example.com" });
const app = await buildApp({ core: runtime.core, rateLimits: parseRateLimits("off", TENCENT_RATE_LIMITS), logger: { level: "warn" } });
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
process.stdout.write(JSON.stringify({ port: typeof address === "object" && address ? address.port : 0, secretId: key.secretId, secretKey: key.secretKey }) + "\n");
process.on("SIGTERM", () => void app.close().then(() => runtime.close()).then(() => process.exit(0)));
