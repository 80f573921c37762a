/**
 * Signed read through the full stack (cam GetUser, TC3-signed, SQLite) against a hello-world
 * fastify route on the same machine, measured back to back in one run. Goal: ratio ≥ 0.5.
 */
import assert from "node:assert/strict";
import { load, signedHeaders, startChild } from "./lib.js";

export interface HttpReadResult {
  baseline: Awaited<ReturnType<typeof load>>;
  opencic: Awaited<ReturnType<typeof load>>;
  ratio: number;
}

export async function benchHttpRead(seconds: number): Promise<HttpReadResult> {
  const body = JSON.stringify({ Name: "bench" });

  const hello = await startChild<{ port: number }>("hello");
  let baseline;
  try {
    baseline = await load({ url: `http://127.0.0.1:${hello.info.port}/`, headers: { "Content-Type": "application/json" }, body, seconds });
  } finally {
    await hello.stop();
  }

  const server = await startChild<{ port: number; secretId: string; secretKey: string }>("opencic");
  let opencic;
  try {
    const headers = signedHeaders({ ...server.info, action: "GetUser", version: "2019-01-16", body });
    const url = `http://127.0.0.1:${server.info.port}/`;
    const probe = (await (await fetch(url, { method: "POST", headers, body })).json()) as { Response: { Name?: string; Error?: unknown } };
    assert.equal(probe.Response.Name, "bench", `the signed request must succeed: ${JSON.stringify(probe)}`);
    opencic = await load({ url, headers, body, seconds });
  } finally {
    await server.stop();
  }
  return { baseline, opencic, ratio: opencic.requestsPerSecond / baseline.requestsPerSecond };
}
