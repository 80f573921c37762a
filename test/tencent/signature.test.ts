/** Fixed-vector unit tests for the Tencent signatures, cross-checked against the official SDK's own signer. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createHmac, randomBytes } from "node:crypto";
import { HmacKey } from "../../src/lib/hash.js";
import {
  hostVariants,
  legacySignature,
  parseTc3Authorization,
  safeEqual,
  tc3Signature,
  utcDate,
} from "../../src/dialects/tencent/signature.js";
import { Sign } from "../helpers/sdk-sign.js";

const SECRET_KEY = "SECRETEXAMPLEKEY0123456789abcdef";

describe("TC3-HMAC-SHA256", () => {
  const VECTORS = [
    {
      name: "POST JSON, service from an IP endpoint",
      method: "POST",
      url: "http://127.0.0.1:8080/",
      host: "127.0.0.1",
      rawQuery: "",
      contentType: "application/json",
      payload: { Name: "alice", ConsoleLogin: 1 },
      timestamp: 1795310705,
      service: "127",
      expected: "8f0a7e75aec456f31d720cbba832c89b62deb070aacf6006870c0c2a36067313",
    },
    {
      name: "GET with an encoded query, service with a port",
      method: "GET",
      url: "http://localhost:18080/?Filter=a%20b%2Fc&FilterGroups.0=g-1",
      host: "localhost",
      rawQuery: "Filter=a%20b%2Fc&FilterGroups.0=g-1",
      contentType: "application/x-www-form-urlencoded",
      payload: "",
      timestamp: 1700000000,
      service: "localhost:18080",
      expected: "e236dda60d3ae958de2f7a31b14a97a1b56c05c25cc90182bc601106a00f8a74",
    },
  ];

  for (const v of VECTORS) {
    test(v.name, () => {
      const body = Buffer.from(v.method === "GET" ? "" : JSON.stringify(v.payload));
      const ours = tc3Signature(
        SECRET_KEY,
        { date: utcDate(v.timestamp), service: v.service, signedHeaders: ["content-type", "host"] },
        { method: v.method, rawQuery: v.rawQuery, headers: { "content-type": v.contentType, host: v.host }, body, timestamp: String(v.timestamp) },
      );
      assert.equal(ours, v.expected);
      const sdk = Sign.sign3({
        method: v.method,
        url: v.url,
        payload: v.payload,
        timestamp: v.timestamp,
        service: v.service,
        secretId: "AKIDEXAMPLE",
        secretKey: SECRET_KEY,
        multipart: false,
        boundary: "",
        headers: { "Content-Type": v.contentType },
      });
      assert.equal(sdk.slice(-64), v.expected, "the vector still matches the official signer");
    });
  }

  test("a changed byte in the body changes the signature", () => {
    const auth = { date: "2026-11-22", service: "127", signedHeaders: ["content-type", "host"] };
    const input = { method: "POST", rawQuery: "", headers: { "content-type": "application/json", host: "127.0.0.1" }, timestamp: "1795310705" };
    const a = tc3Signature(SECRET_KEY, auth, { ...input, body: Buffer.from('{"Name":"alice"}') });
    const b = tc3Signature(SECRET_KEY, auth, { ...input, body: Buffer.from('{"Name":"alicf"}') });
    assert.notEqual(a, b);
  });

  test("header values are trimmed and lower-cased before signing", () => {
    const auth = { date: "2026-11-22", service: "cam", signedHeaders: ["content-type", "host"] };
    const base = { method: "POST", rawQuery: "", body: Buffer.from("{}"), timestamp: "1795310705" };
    const a = tc3Signature(SECRET_KEY, auth, { ...base, headers: { "content-type": "application/json", host: "cam.example.com" } });
    const b = tc3Signature(SECRET_KEY, auth, { ...base, headers: { "content-type": " Application/JSON ", host: "CAM.example.com" } });
    assert.equal(a, b);
  });
});

describe("parseTc3Authorization", () => {
  const good = "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2026-11-22/127/tc3_request, SignedHeaders=content-type;host, Signature=" + "a".repeat(64);

  test("parses the SDK's header, taking the service from the scope", () => {
    assert.deepEqual(parseTc3Authorization(good), {
      secretId: "AKIDEXAMPLE",
      date: "2026-11-22",
      service: "127",
      signedHeaders: ["content-type", "host"],
      signature: "a".repeat(64),
    });
  });

  test("tolerates missing spaces between fields", () => {
    assert.ok(parseTc3Authorization(good.replace(/, /g, ",")));
  });

  for (const [name, header] of [
    ["missing", undefined],
    ["SKIP", "SKIP"],
    ["another algorithm", good.replace("TC3-HMAC-SHA256", "HMAC-SHA256")],
    ["no Signature", good.replace(/, Signature=.*/, "")],
    ["short scope", good.replace("/127/tc3_request", "/tc3_request")],
    ["wrong terminator", good.replace("tc3_request", "tc4_request")],
    ["bad date", good.replace("2026-11-22", "22-11-2026")],
    ["non-hex signature", good.replace("a".repeat(64), "z".repeat(64))],
    ["field without =", good + ", Junk"],
  ] as const) {
    test(`rejects: ${name}`, () => assert.equal(parseTc3Authorization(header), null));
  }
});

describe("legacy HmacSHA1 / HmacSHA256", () => {
  const params = { Action: "GetUser", Name: "alice", Nonce: "42", SecretId: "AKIDEXAMPLE", SignatureMethod: "HmacSHA256", Timestamp: "1795310705", Version: "2019-01-16" };

  test("HmacSHA256 over a POST to an endpoint with a port", () => {
    const expected = "yfU9Vu8j0uV2uM7T/fYPf8gTthyC2LkZzBlMOFvfBpA=";
    assert.equal(legacySignature(SECRET_KEY, "POST", "127.0.0.1:8080", params, "HmacSHA256"), expected);
    const signStr = "POST127.0.0.1:8080/?Action=GetUser&Name=alice&Nonce=42&SecretId=AKIDEXAMPLE&SignatureMethod=HmacSHA256&Timestamp=1795310705&Version=2019-01-16";
    assert.equal(Sign.sign(SECRET_KEY, signStr, "HmacSHA256"), expected);
  });

  test("HmacSHA1 over a GET; the Signature parameter itself is not signed", () => {
    const p = { Action: "ListUsers", Nonce: "7", SecretId: "AKIDEXAMPLE", SignatureMethod: "HmacSHA1", Timestamp: "1795310705", Version: "2019-01-16" };
    const expected = "NWoHTtEh9bEzVHwhGJ4rWvma9MI=";
    assert.equal(legacySignature(SECRET_KEY, "GET", "cam.tencentcloudapi.com", p, "HmacSHA1"), expected);
    assert.equal(legacySignature(SECRET_KEY, "GET", "cam.tencentcloudapi.com", { ...p, Signature: "ignored" }, "HmacSHA1"), expected);
  });
});

describe("HmacKey", () => {
  test("is HMAC-SHA256: the same digest as node:crypto's createHmac for any key and message", () => {
    const keys = [Buffer.alloc(0), randomBytes(1), randomBytes(32), randomBytes(64), randomBytes(65), randomBytes(200)];
    const messages = ["", "a", "TC3-HMAC-SHA256\n1795310705\n2026-11-22/cam/tc3_request\n" + "f".repeat(64), "é中😀 mixed", "x".repeat(5000)];
    for (let i = 0; i < 200; i++) messages.push(randomBytes(i * 7).toString("latin1"));
    for (const key of keys) {
      const hmacKey = new HmacKey(key);
      for (const message of messages) {
        const expected = createHmac("sha256", key).update(message).digest("hex");
        assert.equal(hmacKey.hex(message), expected, `key of ${key.length} bytes, message of ${message.length} characters`);
        assert.equal(Buffer.from(hmacKey.latin1(message), "latin1").toString("hex"), expected);
      }
    }
  });

  test("RFC 4231 test case 2", () => {
    assert.equal(new HmacKey(Buffer.from("Jefe")).hex("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
});

describe("helpers", () => {
  test("hostVariants tries the host without its port, then as sent", () => {
    assert.deepEqual(hostVariants("127.0.0.1:8080"), ["127.0.0.1", "127.0.0.1:8080"]);
    assert.deepEqual(hostVariants("organization.tencentcloudapi.com"), ["organization.tencentcloudapi.com"]);
    assert.deepEqual(hostVariants("[::1]:8080"), ["[::1]", "[::1]:8080"]);
    assert.deepEqual(hostVariants("[::1]"), ["[::1]"]);
    assert.deepEqual(hostVariants("host:"), ["host:"]);
    assert.deepEqual(hostVariants("host:80a"), ["host:80a"]);
  });

  test("safeEqual compares whole strings", () => {
    assert.equal(safeEqual("abc", "abc"), true);
    assert.equal(safeEqual("abc", "abd"), false);
    assert.equal(safeEqual("abc", "abcd"), false);
    assert.equal(safeEqual("", ""), true);
    assert.equal(safeEqual("é", "e"), false);
    assert.equal(safeEqual("a".repeat(64), "A".repeat(64)), false, "case matters: signatures are compared as spelled");
  });

  test("utcDate is the UTC calendar date", () => {
    assert.equal(utcDate(1700000000), "2023-11-14");
    assert.equal(utcDate(1795308000), "2026-11-22");
  });
});
