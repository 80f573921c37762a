// Baseline: the smallest fastify JSON POST route (and a GET for SCIM), on the same framework and machine as OpenCIC.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.post("/", async () => ({ Response: { hello: "world", RequestId: "00000000-0000-4000-8000-000000000000" } }));
// The SCIM read's baseline: a GET by id answering a small SCIM-shaped user.
app.get("/scim/v2/Users/:id", async (req) => ({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], id: req.params.id, userName: "hello", active: true }));
await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(JSON.stringify({ port: app.server.address().port }) + "\n");
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
