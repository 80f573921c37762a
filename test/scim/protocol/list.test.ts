/** List queries (RFC 7644 §3.4.2, §3.4.3, RFC 9865 cursors) and the ListResponse envelope. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_PAGE_SIZE, LIST_RESPONSE_SCHEMA, MAX_INDEX, MAX_PAGE_SIZE, SEARCH_REQUEST_SCHEMA, listResponse, parseListQuery } from "../../../src/dialects/scim/protocol/list.js";
import { expectScimError } from "./support.js";

describe("parseListQuery: GET query strings", () => {
  test("defaults", () => {
    assert.deepEqual(parseListQuery({}), { startIndex: 1, count: DEFAULT_PAGE_SIZE, countGiven: false });
  });

  test("Okta's existence check and import paging", () => {
    assert.deepEqual(parseListQuery({ filter: 'userName eq "a@b"', startIndex: "1", count: "100" }), {
      startIndex: 1,
      count: 100,
      countGiven: true,
      filter: 'userName eq "a@b"',
    });
    assert.equal(parseListQuery({ startIndex: "101", count: "100" }).startIndex, 101);
    assert.equal(parseListQuery({ count: "2", startIndex: "1" }).count, 2);
  });

  test("Entra's group read: excludedAttributes=members", () => {
    assert.equal(parseListQuery({ excludedAttributes: "members", filter: 'displayName eq "G"' }).excludedAttributes, "members");
  });

  test("startIndex below 1 reads as 1; count negative as 0; count above the maximum is capped", () => {
    assert.equal(parseListQuery({ startIndex: "0" }).startIndex, 1);
    assert.equal(parseListQuery({ startIndex: "-5" }).startIndex, 1);
    assert.equal(parseListQuery({ count: "-1" }).count, 0);
    assert.equal(parseListQuery({ count: "0" }).count, 0);
    assert.equal(parseListQuery({ count: "100000" }).count, MAX_PAGE_SIZE);
  });

  test("a huge startIndex is kept within 32 bits", () => {
    assert.equal(parseListQuery({ startIndex: "99999999999999999999999" }).startIndex, MAX_INDEX);
    assert.equal(parseListQuery({ count: "-99999999999999999999999" }).count, 0);
  });

  test("non-numeric startIndex or count → 400 invalidValue", () => {
    for (const q of [{ startIndex: "abc" }, { count: "1.5" }, { count: "10abc" }, { startIndex: "1e3" }]) {
      expectScimError(() => parseListQuery(q), 400, "invalidValue");
    }
  });

  test("a repeated parameter: the first one counts", () => {
    assert.equal(parseListQuery({ count: ["5", "50"] }).count, 5);
  });

  test("sortBy and sortOrder (any case)", () => {
    const q = parseListQuery({ sortBy: "userName", sortOrder: "DESCENDING" });
    assert.equal(q.sortBy, "userName");
    assert.equal(q.sortOrder, "descending");
    expectScimError(() => parseListQuery({ sortOrder: "sideways" }), 400, "invalidValue");
  });

  test("empty values are absent", () => {
    assert.deepEqual(parseListQuery({ filter: "", attributes: "", sortBy: "" }), { startIndex: 1, count: DEFAULT_PAGE_SIZE, countGiven: false });
  });

  test("RFC 9865 cursor: empty asks for the first page; unreserved characters only", () => {
    assert.equal(parseListQuery({ cursor: "" }).cursor, "");
    assert.equal(parseListQuery({ cursor: "VZUTiy.abc-_~9", count: "10" }).cursor, "VZUTiy.abc-_~9");
    for (const cursor of ["a b", "a/b", "a+b", "a%20", "é", "x".repeat(5000)]) {
      expectScimError(() => parseListQuery({ cursor }), 400, "invalidCursor");
    }
    expectScimError(() => parseListQuery({ cursor: "abc", startIndex: "2" }), 400, "invalidValue");
  });

  test("not an object → 400 invalidSyntax", () => {
    expectScimError(() => parseListQuery(null), 400, "invalidSyntax");
    expectScimError(() => parseListQuery("filter=x"), 400, "invalidSyntax");
  });
});

describe("parseListQuery: POST /.search bodies", () => {
  test("numbers, arrays of attributes", () => {
    const q = parseListQuery(
      { schemas: [SEARCH_REQUEST_SCHEMA], attributes: ["displayName", "userName"], filter: 'displayName sw "smith"', startIndex: 1, count: 10 },
      "search",
    );
    assert.deepEqual(q, { startIndex: 1, count: 10, countGiven: true, filter: 'displayName sw "smith"', attributes: "displayName,userName" });
  });

  test("the SearchRequest schema is required", () => {
    expectScimError(() => parseListQuery({ filter: 'userName eq "a"' }, "search"), 400, "invalidSyntax");
    expectScimError(() => parseListQuery({ schemas: ["urn:other"] }, "search"), 400, "invalidSyntax");
  });

  test("wrong types → 400", () => {
    expectScimError(() => parseListQuery({ schemas: [SEARCH_REQUEST_SCHEMA], filter: 5 }, "search"), 400, "invalidValue");
    expectScimError(() => parseListQuery({ schemas: [SEARCH_REQUEST_SCHEMA], count: "many" }, "search"), 400, "invalidValue");
    expectScimError(() => parseListQuery({ schemas: [SEARCH_REQUEST_SCHEMA], attributes: [1] }, "search"), 400, "invalidValue");
    expectScimError(() => parseListQuery({ schemas: [SEARCH_REQUEST_SCHEMA], count: 1.5 }, "search"), 400, "invalidValue");
  });
});

describe("listResponse", () => {
  test("integers and Resources always present (an empty match is a ListResponse, as Entra's test connection needs)", () => {
    assert.deepEqual(listResponse([], 0, 1, 0), { schemas: [LIST_RESPONSE_SCHEMA], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
    const body = listResponse([{ id: "a" }, { id: "b" }], 7, 3);
    assert.deepEqual(Object.keys(body), ["schemas", "totalResults", "startIndex", "itemsPerPage", "Resources"]);
    assert.equal(body.itemsPerPage, 2);
  });

  test("cursor pages carry nextCursor and no startIndex", () => {
    const body = listResponse([{ id: "a" }], 5, undefined, 1, "next.1");
    assert.deepEqual(body, { schemas: [LIST_RESPONSE_SCHEMA], totalResults: 5, itemsPerPage: 1, nextCursor: "next.1", Resources: [{ id: "a" }] });
  });
});
