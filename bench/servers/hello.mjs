// Baseline: the smallest fastify JSON POST route, on the same framework and machine as OpenCIC.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.post("/", async () => ({ Response: { hello: "world", RequestId: "00000000-0000-4000-8000-000000000000" } }));
await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(JSON.stringify({ port: app.server.address().port }) + "\n");
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
