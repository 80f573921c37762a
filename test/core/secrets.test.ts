/** Secret storage: sealed SecretKeys, the master key, password hashes. */
import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { hashGeneratedSecret, hashPassword, loadOrCreateMasterKey, parseMasterKey, pooledRandomBytes, pooledRandomIndex, SecretBox, verifyPassword } from "../../src/core/secrets.js";
import { openRuntime } from "../../src/runtime.js";

describe("pooled random bytes (salts, IVs)", () => {
  test("never hand out the same bytes twice, across pool refills, and each caller owns its copy", () => {
    const seen = new Set<string>();
    const held: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const b = pooledRandomBytes(i % 2 ? 12 : 16);
      assert.equal(b.length, i % 2 ? 12 : 16);
      const hex = b.toString("hex");
      assert.ok(!seen.has(hex), "a value came out twice");
      seen.add(hex);
      held.push(b);
    }
    // Refilling the pool (2000 draws are several pools) did not change what earlier callers hold.
    assert.deepEqual(held.map((b) => b.toString("hex")), [...seen]);
    assert.equal(pooledRandomBytes(5000).length, 5000);
  });
});

describe("pooled random indexes (generated passwords)", () => {
  test("every index in [0, n) comes out, none outside it, and none favoured (a byte past the last multiple of n is redrawn)", () => {
    for (const n of [1, 2, 8, 14, 71, 129, 256]) {
      const counts = new Array<number>(n).fill(0);
      const draws = n * 2000;
      for (let i = 0; i < draws; i++) {
        const k = pooledRandomIndex(n);
        assert.ok(Number.isInteger(k) && k >= 0 && k < n, `${k} is outside [0, ${n})`);
        counts[k]!++;
      }
      // 2000 expected per index, standard deviation under 45: ±400 is beyond 8 deviations. Plain
      // modulo of a byte would draw indexes 127 and 128 of n = 129 half as often, far outside this.
      for (const c of counts) assert.ok(c > 1600 && c < 2400, `index counts for n = ${n} range ${Math.min(...counts)}–${Math.max(...counts)}`);
    }
  });

  test("refuses a range it cannot draw from one byte", () => {
    for (const n of [0, -1, 1.5, 257, Number.NaN]) assert.throws(() => pooledRandomIndex(n), RangeError);
  });
});

describe("SecretBox", () => {
  const box = new SecretBox(randomBytes(32));

  test("mac is the first 128 bits of HMAC-SHA256 under the derived MAC key, base64url (tokens keep their bytes)", () => {
    const master = randomBytes(32);
    const macKey = createHmac("sha256", master).update("opencic mac key v1").digest();
    const mine = new SecretBox(master);
    for (const data of ["", "WzE3NjUwMTYwNTU3NTUsInUtZjgxcmJkeDYwY25tIl0\nscope", "é中😀", "x".repeat(3000)]) {
      assert.equal(mine.mac(data), createHmac("sha256", macKey).update(data).digest().subarray(0, 16).toString("base64url"));
    }
  });

  test("seals and opens; the sealed text does not contain the secret and differs each time", () => {
    const a = box.seal("a7nbGEGKblYLI68lu17Jd64LNv1kP9db");
    const b = box.seal("a7nbGEGKblYLI68lu17Jd64LNv1kP9db");
    assert.notEqual(a, b);
    assert.ok(!a.includes("a7nbGEGK"));
    assert.equal(box.open(a), "a7nbGEGKblYLI68lu17Jd64LNv1kP9db");
  });

  test("a tampered ciphertext or another key fails to open", () => {
    const sealed = box.seal("secret");
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64");
    assert.throws(() => box.open(parts.join(".")));
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed));
  });
});

describe("master key", () => {
  test("is created once in the data dir with mode 0600, then reused", () => {
    const dir = mkdtempSync(join(tmpdir(), "opencic-key-"));
    try {
      const a = loadOrCreateMasterKey(dir);
      const file = join(dir, "master.key");
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(loadOrCreateMasterKey(dir), a);
      assert.equal(parseMasterKey(readFileSync(file, "utf8")).length, 32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("OPENCIC_MASTER_KEY takes hex or base64 of 32 bytes, and nothing else", () => {
    const key = randomBytes(32);
    assert.deepEqual(parseMasterKey(key.toString("hex")), key);
    assert.deepEqual(parseMasterKey(key.toString("base64")), key);
    assert.throws(() => parseMasterKey("short"));
  });

  test("a database opened with another master key is refused at start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opencic-key-"));
    try {
      const first = await openRuntime({ dataDir: dir, masterKey: randomBytes(32).toString("hex") });
      await first.close();
      await assert.rejects(openRuntime({ dataDir: dir, masterKey: randomBytes(32).toString("hex") }), /master key does not match/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("passwords", () => {
  test("are stored as salted scrypt hashes", () => {
    const h = hashPassword("Str0ng!Passw0rd");
    assert.match(h, /^scrypt\$/);
    assert.ok(!h.includes("Str0ng"));
    assert.notEqual(h, hashPassword("Str0ng!Passw0rd"));
    assert.equal(verifyPassword("Str0ng!Passw0rd", h), true);
    assert.equal(verifyPassword("wrong", h), false);
  });
});

describe("generated secrets", () => {
  test("are stored as salted SHA-256 and verify", () => {
    const h = hashGeneratedSecret("x7#Kq2!mZp9@Lw4$");
    assert.match(h, /^sha256\$/);
    assert.ok(!h.includes("x7#Kq2"));
    assert.notEqual(h, hashGeneratedSecret("x7#Kq2!mZp9@Lw4$"));
    assert.equal(verifyPassword("x7#Kq2!mZp9@Lw4$", h), true);
    assert.equal(verifyPassword("x7#Kq2!mZp9@Lw4%", h), false);
  });

  test("keep their stored form: SHA-256 over the salt then the secret, so hashes stored by any build verify", () => {
    const [scheme, salt, digest] = hashGeneratedSecret("é中😀-generated").split("$");
    assert.equal(scheme, "sha256");
    const expected = createHash("sha256").update(Buffer.from(salt!, "base64")).update("é中😀-generated").digest("base64");
    assert.equal(digest, expected);
  });
});
