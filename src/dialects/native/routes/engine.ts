/** The reconcile engine's queue: how much work waits, and for how long. */
import { ref } from "../schema.js";
import { type NativeRoute, route } from "../route.js";

export const engineRoutes: NativeRoute[] = [
  route({
    method: "GET",
    path: "/engine",
    name: "GetEngine",
    summary: "The caller's work on the reconcile queue (its directory's provisionings and deployments): depth, due, leased, parked, and the age of the oldest due key",
    tag: "engine",
    response: { status: 200, schema: ref("QueueStats") },
    // A tenant sees its own work only, as every other read; the whole queue is in /metrics.
    run: ({ core, caller }) => core.workStats(caller),
  }),
];
