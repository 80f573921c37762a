/** The Alibaba signature verifiers against the spec's test vectors (computed with the real @alicloud/openapi-util). */
import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { timestampMs } from "../../src/dialects/aliyun/door.js";
import { requestParams } from "../../src/dialects/aliyun/params.js";
import { bodySha256Hex, EMPTY_SHA256, hmacKeyOf, sha256Hex } from "../../src/lib/hash.js";
import {
  acs3CanonicalRequest,
  acs3Signature,
  canonicalQuery,
  parseAcs3Authorization,
  percentEncode,
  safeEqual,
  V3_REQUIRED_SIGNED_HEADERS,
  v1Signature,
} from "../../src/dialects/aliyun/signature.js";

const V1_PARAMS = {
  Action: "GetUserProvisioning",
  Format: "json",
  Version: "2021-05-15",
  Timestamp: "2025-01-01T00:00:00Z",
  SignatureNonce: "0123456789abcdef0123456789abcdef",
  SignatureMethod: "HMAC-SHA1",
  SignatureVersion: "1.0",
  AccessKeyId: "testid",
  DirectoryId: "d-00fc2p61abcd",
  UserProvisioningId: "up-002axzhapcbz6e63abcd",
  Description: "a b*c",
};

describe("Alibaba signature V1 (HMAC-SHA1)", () => {
  test("canonical query string of the spec vector", () => {
    assert.equal(
      canonicalQuery(V1_PARAMS),
      "AccessKeyId=testid&Action=GetUserProvisioning&Description=a%20b%2Ac&DirectoryId=d-00fc2p61abcd&Format=json&SignatureMethod=HMAC-SHA1&SignatureNonce=0123456789abcdef0123456789abcdef&SignatureVersion=1.0&Timestamp=2025-01-01T00%3A00%3A00Z&UserProvisioningId=up-002axzhapcbz6e63abcd&Version=2021-05-15",
    );
  });

  test("POST and GET signatures of the spec vector", () => {
    assert.equal(v1Signature("testsecret", "POST", V1_PARAMS), "FJRRXLB+v2Pd2i+V4YmzSi4/Tfs=");
    assert.equal(v1Signature("testsecret", "GET", V1_PARAMS), "R0ibUMz+3kzeQOJSfkoEPeHRqvY=");
  });

  test("the Signature parameter itself is not signed", () => {
    assert.equal(v1Signature("testsecret", "POST", { ...V1_PARAMS, Signature: "anything" }), "FJRRXLB+v2Pd2i+V4YmzSi4/Tfs=");
  });

  test("another secret or another value gives another signature", () => {
    assert.notEqual(v1Signature("testsecreT", "POST", V1_PARAMS), "FJRRXLB+v2Pd2i+V4YmzSi4/Tfs=");
    assert.notEqual(v1Signature("testsecret", "POST", { ...V1_PARAMS, Description: "a b*d" }), "FJRRXLB+v2Pd2i+V4YmzSi4/Tfs=");
  });

  test("RFC 3986 encoding: only unreserved characters stay bare", () => {
    assert.equal(percentEncode("a b*c!'()~-_."), "a%20b%2Ac%21%27%28%29~-_.");
    assert.equal(percentEncode("é/+"), "%C3%A9%2F%2B");
  });
});

describe("Alibaba signature V3 (ACS3-HMAC-SHA256)", () => {
  const body = "DirectoryId=d-00fc2p61abcd&UserProvisioningId=up-002axzhapcbz6e63abcd";
  const headers = {
    host: "127.0.0.1:8080",
    "content-type": "application/x-www-form-urlencoded",
    "x-acs-action": "GetUserProvisioning",
    "x-acs-version": "2021-05-15",
    "x-acs-date": "2025-01-01T00:00:00Z",
    "x-acs-signature-nonce": "0123456789abcdef0123456789abcdef",
    "x-acs-content-sha256": "141369139de96b07224dc0759bfefd62fa67fbe96bec0ee60ca84c1d2555d516",
  };
  const authorization =
    "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=f2c3fce2f0a7d709558005f91c0e056606985fc3d201218f329e35adc7d261ed";
  const input = { method: "POST", query: { Description: "a b*c" }, headers, payloadHash: sha256Hex(body) };

  test("body hash, canonical request hash and signature of the spec vector", () => {
    assert.equal(sha256Hex(body), headers["x-acs-content-sha256"]);
    const auth = parseAcs3Authorization(authorization);
    assert.ok(auth);
    assert.equal(auth.accessKeyId, "testid");
    assert.equal(sha256Hex(acs3CanonicalRequest(auth.signedHeaders, input)), "31a58adafb15e1ddb0b8c3b11f844c42eac08afc365c0398ed5ba0f9a9b4620d");
    assert.equal(acs3Signature("testsecret", auth.signedHeaders, input), auth.signature);
    assert.ok(V3_REQUIRED_SIGNED_HEADERS.every((h) => auth.signedHeaders.includes(h)));
  });

  test("a changed query, header or body hash breaks the signature", () => {
    const auth = parseAcs3Authorization(authorization)!;
    assert.notEqual(acs3Signature("testsecret", auth.signedHeaders, { ...input, query: { Description: "a b*d" } }), auth.signature);
    assert.notEqual(acs3Signature("testsecret", auth.signedHeaders, { ...input, headers: { ...headers, "x-acs-action": "DeleteUserProvisioning" } }), auth.signature);
    assert.notEqual(acs3Signature("testsecret", auth.signedHeaders, { ...input, payloadHash: sha256Hex(body + "&x=1") }), auth.signature);
  });

  test("malformed Authorization headers are refused", () => {
    for (const h of [
      undefined,
      "",
      "ACS3-HMAC-SHA256",
      "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host,Signature=xyz",
      "ACS3-HMAC-SM3 Credential=testid,SignedHeaders=host,Signature=" + "0".repeat(64),
      "TC3-HMAC-SHA256 Credential=testid/2025-01-01/cvm/tc3_request, SignedHeaders=host, Signature=" + "0".repeat(64),
    ]) {
      assert.equal(parseAcs3Authorization(h), null, String(h));
    }
  });

  test("an Authorization header as the clients send it, or with spaces around its parts, parses alike", () => {
    const sig = "a".repeat(64);
    const tight = parseAcs3Authorization(`ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-date,Signature=${sig}`);
    const spaced = parseAcs3Authorization(` ACS3-HMAC-SHA256 Credential=testid, SignedHeaders=host;x-acs-date,  Signature=${sig} `);
    assert.deepEqual(tight, { accessKeyId: "testid", signedHeaders: ["host", "x-acs-date"], signature: sig });
    assert.deepEqual(spaced, tight);
  });

  test("constant-time comparison", () => {
    assert.ok(safeEqual("abc", "abc"));
    assert.ok(!safeEqual("abc", "abd"));
    assert.ok(!safeEqual("abc", "abcd"));
  });
});

describe("the shortcuts of the V3 check, against the straightforward computations", () => {
  test("the signature's HMAC (the secret's kept HmacKey) is createHmac's, for any secret and message", () => {
    const secrets = ["testsecret", "", "é中😀", "k".repeat(64), "k".repeat(65), randomBytes(40).toString("base64")];
    const messages = ["", "ACS3-HMAC-SHA256\n" + "f".repeat(64), "é中😀 mixed", "x".repeat(5000)];
    for (const secret of secrets) {
      for (const message of messages) {
        // Twice: the second time the kept key answers.
        for (let i = 0; i < 2; i++) assert.equal(hmacKeyOf(secret).hex(message), createHmac("sha256", secret).update(message).digest("hex"));
      }
      const input = { method: "POST", query: { A: "1" }, headers: { host: "h" }, payloadHash: EMPTY_SHA256 };
      const expected = createHmac("sha256", secret).update(`ACS3-HMAC-SHA256\n${createHash("sha256").update(acs3CanonicalRequest(["host"], input)).digest("hex")}`).digest("hex");
      assert.equal(acs3Signature(secret, ["host"], input), expected);
    }
  });

  test("an empty body's hash is SHA-256 of nothing; other bodies are hashed", () => {
    assert.equal(bodySha256Hex(Buffer.alloc(0)), createHash("sha256").update("").digest("hex"));
    assert.equal(bodySha256Hex(Buffer.from("a=1")), createHash("sha256").update("a=1").digest("hex"));
  });

  test("percentEncode's bare fast path agrees with encoding every string", () => {
    const slow = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
    const samples = ["", "d-00fc2p61abcd", "A-Z_a.z~0", "a b", "a+b", "*", "!'()", "é", "😀", "%41", "a/b?c=d&e"];
    for (let i = 0; i < 2000; i++) samples.push(String.fromCharCode(...Array.from({ length: 1 + (i % 5) }, (_, j) => 32 + ((i * 31 + j * 17) % 95))));
    for (const s of samples) assert.equal(percentEncode(s), slow(s), JSON.stringify(s));
  });

  test("the query's parameters are parsed once: V3 signs them, the form body's join them for the action", () => {
    const body = Buffer.from("Description=x&UserName=u");
    const form = requestParams("Action=A&DirectoryId=d-1", body, "application/x-www-form-urlencoded");
    assert.deepEqual({ ...form.query }, { Action: "A", DirectoryId: "d-1" });
    assert.deepEqual({ ...form.merged }, { Action: "A", DirectoryId: "d-1", Description: "x", UserName: "u" });
    assert.deepEqual({ ...form.query }, Object.fromEntries(new URLSearchParams("Action=A&DirectoryId=d-1")));
    const plain = requestParams("Action=A&DirectoryId=d-1", Buffer.alloc(0), "application/x-www-form-urlencoded");
    assert.equal(plain.merged, plain.query);
    assert.throws(() => requestParams("A=1", Buffer.from("A=2"), "application/x-www-form-urlencoded"), /given more than once/);
    assert.throws(() => requestParams("A=1&A=2", Buffer.alloc(0), undefined), /given more than once/);
  });

  test("timestamps: the kept last one answers as parsing it again would", () => {
    const expected = (raw: string) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?Z$/.exec(raw);
      const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
      return m && !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === raw.slice(0, 19) ? ms : "malformed";
    };
    const actual = (raw: string) => {
      try {
        return timestampMs(raw);
      } catch {
        return "malformed";
      }
    };
    const samples = ["2026-12-06T10:00:00Z", "2026-12-06T10:00:00Z", "2026-12-06T10:00:01Z", "2026-13-06T10:00:00Z", "2026-12-06T10:00:00Z", "2026-02-30T00:00:00Z", "0050-01-01T00:00:00Z", "2026-12-06T10:00:60Z", "2026-12-06T10:00:00.123Z", "2026-12-06 10:00:00", "", "2026-12-06T10:00:00Z"];
    for (const raw of samples) assert.equal(actual(raw), expected(raw), raw);
  });
});
