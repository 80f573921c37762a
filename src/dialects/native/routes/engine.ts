/** The reconcile engine's queue: how much work waits, and for how long. */
import { ref } from "../schema.js";
import { type NativeRoute, route } from "../route.js";

export const engineRoutes: NativeRoute[] = [
  route({
    method: "GET",
    path: "/engine",
    name: "GetEngine",
    summary: "The reconcile queue: depth, due, leased, parked, and the age of the oldest due key",
    tag: "engine",
    response: { status: 200, schema: ref("QueueStats") },
    // The queue is the server's, not a tenant's: it says how much work waits, never whose.
    run: ({ core }) => core.queue.stats(),
  }),
];
