/**
 * `opencic emulator …` against a real server process (`opencic serve --emulator`), on both engines:
 * the clock moved and read (the SDK's signatures expire and work again), snapshots taken, listed,
 * restored and deleted, reset; readable lines and --json; a wrong key or an unreachable server exits 1.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { promisify } from "node:util";
import { ENGINES, camClient, expectCode, throwawaySchema } from "../helpers/harness.js";
import { baseEnv, CLI, cli, removeTempDirs, serve, tempDir } from "../helpers/process.js";

after(removeTempDirs);

const run = promisify(execFile);

for (const engine of ENGINES) {
  describe(`opencic emulator (${engine})`, () => {
    test("clock, snapshots, restore and reset through the command line against a running server", async () => {
      const key = { secretId: `AKID${randomBytes(16).toString("hex")}`, secretKey: randomBytes(16).toString("hex") };
      const env = { OPENCIC_SECRET_ID: key.secretId, OPENCIC_SECRET_KEY: key.secretKey };
      const schema = engine === "postgres" ? await throwawaySchema("cli") : undefined;
      const server = await serve(["--data-dir", tempDir(), "--emulator", ...(schema ? ["--database", schema.url] : [])], env);
      try {
        const endpoint = `http://${server.endpoint}`;
        const emulator = (...args: string[]) => cli(["emulator", ...args, "--endpoint", endpoint], env);
        const json = async (...args: string[]) => JSON.parse(await emulator(...args, "--json"));
        const cam = camClient(server, key);

        // Each command is a process of its own (a few seconds each here), so the checks share them.
        const clock = await json("clock");
        assert.deepEqual([clock.frozen, clock.offsetMs], [false, 0]);
        assert.match(await emulator("clock", "advance", "301s"), /^clock \d{4}-\d{2}-\d{2}T[\d:.]+Z \(running, \+301 s from real time\)\n$/);
        await expectCode(cam.ListUsers(), "AuthFailure.SignatureExpire");
        assert.match(await emulator("clock", "advance", "-301s"), /\(running, real time\)/);
        await cam.ListUsers();
        const frozen = await json("clock", "freeze");
        assert.equal(frozen.frozen, true);
        assert.match(await emulator("clock", "set", "2026-01-02T03:04:05Z"), /^clock 2026-01-02T03:04:05\.000Z \(frozen, −[\d.]+ s from real time\)/);
        assert.match(await emulator("clock", "set", "real"), /\(running, real time\)/);

        assert.equal((await json("snapshot", "empty")).name, "empty");
        await cam.AddUser({ Name: "made-after" });
        assert.match(await emulator("snapshot", "one-user"), /^snapshot one-user\ttaken \S+\t\d+ rows in \d+ tables\n$/);
        assert.match(await emulator("restore", "empty"), /^restored empty\t/);
        assert.deepEqual((await cam.ListUsers()).Data ?? [], []);
        await emulator("restore", "one-user");
        assert.deepEqual(((await cam.ListUsers()).Data ?? []).map((u) => u.Name), ["made-after"]);

        assert.match(await emulator("reset"), /^reset: /);
        assert.deepEqual((await cam.ListUsers()).Data ?? [], []);
        assert.match(await emulator("snapshots"), /^empty\t.*\none-user\t/);
        assert.match(await emulator("snapshots", "delete", "empty"), /deleted snapshot empty/);
        assert.deepEqual((await json("snapshots")).items.map((s: { name: string }) => s.name), ["one-user"]);

        // Refusals exit 1 with the problem's detail and reason on stderr.
        const fails = async (args: string[], extraEnv: NodeJS.ProcessEnv, pattern: RegExp) => {
          const r = await run(process.execPath, [...CLI, "emulator", ...args], { env: baseEnv(extraEnv) }).then(
            () => assert.fail(`emulator ${args.join(" ")} succeeded`),
            (e: { code?: number; stderr?: string }) => e,
          );
          assert.equal(r.code, 1);
          assert.match(r.stderr ?? "", pattern);
        };
        await fails(["clock", "--endpoint", endpoint], { OPENCIC_SECRET_ID: key.secretId, OPENCIC_SECRET_KEY: "wrong" }, /auth\.unknown_key/);
        await fails(["restore", "nothing", "--endpoint", endpoint], env, /emulator\.snapshot_not_found/);
        await fails(["clock", "advance", "soon", "--endpoint", endpoint], env, /not a duration/);
      } finally {
        assert.equal(await server.stop(), 0);
        await schema?.drop();
      }
    });

    test("against a server without --emulator the commands say the emulator is off", async () => {
      const key = { secretId: `AKID${randomBytes(16).toString("hex")}`, secretKey: randomBytes(16).toString("hex") };
      const env = { OPENCIC_SECRET_ID: key.secretId, OPENCIC_SECRET_KEY: key.secretKey };
      const schema = engine === "postgres" ? await throwawaySchema("cli") : undefined;
      const server = await serve(["--data-dir", tempDir(), ...(schema ? ["--database", schema.url] : [])], env);
      try {
        const r = await run(process.execPath, [...CLI, "emulator", "reset", "--endpoint", `http://${server.endpoint}`], { env: baseEnv(env) }).then(
          () => assert.fail("reset succeeded"),
          (e: { code?: number; stderr?: string }) => e,
        );
        assert.equal(r.code, 1);
        assert.match(r.stderr ?? "", /emulator\.disabled.*--emulator/);
      } finally {
        assert.equal(await server.stop(), 0);
        await schema?.drop();
      }
    });
  });
}
