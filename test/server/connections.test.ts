/**
 * What HTTP clients see of the server's connections: a body over the limit is answered in the door's
 * envelope (the client is not cut off mid-upload), a keep-alive connection outlives the 5-7 s that
 * pollers wait between calls, and a server shutting down on SIGTERM answers every request that
 * reaches it with a proper envelope (never fastify's bare 503) before it exits.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startServer, type TestServer } from "../helpers/harness.js";
import { removeTempDirs, serve, tempDir } from "../helpers/process.js";

after(removeTempDirs);

interface Sent {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  reusedSocket: boolean;
}

/** One raw request; `body` may be larger than the server accepts. */
function send(port: number, headers: Record<string, string>, body: Buffer | string, agent?: http.Agent): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text, reusedSocket: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const TENCENT = { "content-type": "application/json", "x-tc-action": "GetUser", "x-tc-version": "2019-01-16", "x-tc-timestamp": "1" };
const ALIYUN = { "content-type": "application/x-www-form-urlencoded", "x-acs-action": "GetUser", "x-acs-version": "2015-05-01" };

let server: TestServer;
let port: number;

before(async () => {
  server = await startServer("sqlite");
  port = Number(server.endpoint.split(":")[1]);
});

after(async () => {
  await server?.close();
});

test("a body over the 10 MB limit gets the door's too-large answer, after the client has sent it all", async () => {
  const body = Buffer.alloc(10 * 1024 * 1024 + 10 * 1024, "a");
  const tencent = await send(port, TENCENT, body);
  assert.equal(tencent.status, 200);
  const envelope = JSON.parse(tencent.body) as { Response: { Error: { Code: string }; RequestId: string } };
  assert.equal(envelope.Response.Error.Code, "RequestSizeLimitExceeded");
  assert.ok(envelope.Response.RequestId);

  const aliyun = await send(port, ALIYUN, body);
  assert.equal(aliyun.status, 413);
  assert.equal((JSON.parse(aliyun.body) as { Code: string }).Code, "RequestEntityTooLarge");
  // The same answers without a Content-Length the server could refuse on at once (chunked upload).
  const chunked = await new Promise<Sent>((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", headers: TENCENT }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text, reusedSocket: false }));
    });
    req.on("error", reject);
    for (let i = 0; i < 11; i++) req.write(Buffer.alloc(1024 * 1024, "b"));
    req.end();
  });
  assert.match(chunked.body, /RequestSizeLimitExceeded/);
});

test("a keep-alive connection stays open while a client waits 6 s between polls", async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await send(port, TENCENT, "{}", agent);
    assert.match(String(first.headers["keep-alive"]), /timeout=72/);
    await sleep(6000);
    const second = await send(port, TENCENT, "{}", agent);
    assert.equal(second.reusedSocket, true, "the poll went over the kept connection");
    assert.match(second.body, /"RequestId"/);
  } finally {
    agent.destroy();
  }
});

test("SIGTERM: every request that reaches the server while it shuts down is answered with a proper envelope", async () => {
  const served = await serve(["--data-dir", tempDir()]);
  const target = Number(served.endpoint.split(":")[1]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const answers: Sent[] = [];
  const errors: string[] = [];
  let stopped = false;
  // Four clients keep calling over kept-alive connections until the server is gone.
  const client = async () => {
    while (!stopped) {
      try {
        answers.push(await send(target, TENCENT, "{}", agent));
      } catch (err) {
        errors.push((err as NodeJS.ErrnoException).code ?? String(err));
        if ((err as NodeJS.ErrnoException).code === "ECONNREFUSED") return;
      }
    }
  };
  const clients = [client(), client(), client(), client()];
  await sleep(300);
  const before = answers.length;
  assert.equal(await served.stop("SIGTERM"), 0);
  stopped = true;
  await Promise.all(clients);
  agent.destroy();
  assert.ok(before > 0, "the clients were being answered before the signal");
  for (const a of answers) {
    assert.equal(a.status, 200, a.body);
    assert.ok((JSON.parse(a.body) as { Response: { RequestId?: string } }).Response.RequestId, a.body);
  }
  // The server logs one line per request it read: each of those was answered. A connection the server
  // closed while it was idle can meet a client's next request on the wire (a reset of a request that
  // never arrived); once the listener is closed, new connections are refused. Nothing else happens.
  const received = served.output().split("\n").filter((l) => l.includes('"msg":"request"')).length;
  assert.equal(received, answers.length, "every request the server read got its answer");
  assert.deepEqual(
    errors.filter((e) => e !== "ECONNREFUSED" && e !== "ECONNRESET"),
    [],
  );
});
