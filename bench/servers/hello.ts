/** Baseline: the smallest fastify JSON POST route, on the same framework and machine as OpenCIC. */
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.post("/", async () => ({ Response: { hello: "world", RequestId: "00000000-0000-4000-8000-000000000000" } }));
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
process.stdout.write(JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 }) + "\n");
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
