/**
 * Filters (RFC 7644 §3.4.2.2): the parsed tree the door compiles to SQL, in-memory evaluation, the
 * normalisation around scim2-parse-filter, and hostile input (always a 400 invalidFilter).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_TERMS, matchesFilter, parseFilter, type FilterNode } from "../../../src/dialects/scim/protocol/filter.js";
import { ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, USER_RESOURCE, USER_SCHEMA } from "../../../src/dialects/scim/protocol/schemas.js";
import { expectScimError } from "./support.js";

const user = {
  schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  id: "2819c223-7f76-453a-919d-413861904646",
  externalId: "Ext-Bjensen",
  userName: "Bjensen@Example.com",
  displayName: "Babs Jensen",
  name: { givenName: "Barbara", familyName: "Jensen" },
  active: true,
  title: "Tour Guide",
  emails: [
    { value: "bjensen@example.com", type: "work", primary: true },
    { value: "babs@jensen.org", type: "home" },
  ],
  meta: { resourceType: "User", created: "2010-01-23T04:56:22Z", lastModified: "2011-05-13T04:42:34Z" },
  [ENTERPRISE_USER_SCHEMA]: { employeeNumber: "701984", manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d" } },
  costCode: "CC-1",
};

const group = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  id: "e9e30dba-f08f-4109-8486-d5c6a331660a",
  displayName: "Tour Guides",
  members: [
    { value: "2819c223-7f76-453a-919d-413861904646", display: "Babs Jensen" },
    { value: "902c246b-6245-4190-8e05-00816be7344a", display: "Mandy Pepperidge" },
  ],
};

const userMatches = (filter: string) => matchesFilter(user, parseFilter(filter, USER_RESOURCE), USER_RESOURCE);
const groupMatches = (filter: string) => matchesFilter(group, parseFilter(filter, GROUP_RESOURCE), GROUP_RESOURCE);

describe("parseFilter: the tree", () => {
  test("a comparison names the attribute canonically, whatever the case, with its definition", () => {
    const node = parseFilter('USERNAME Eq "bjensen"', USER_RESOURCE);
    assert.equal(node.op, "eq");
    assert.ok(node.op === "eq");
    assert.equal(node.attr.attr, "userName");
    assert.equal(node.attr.path, "userName");
    assert.equal(node.attr.extension, false);
    assert.equal(node.attr.def?.uniqueness, "server");
    assert.equal(node.value, "bjensen");
  });

  test("and/or are n-ary with the usual precedence; not and grouping", () => {
    const node = parseFilter('userName eq "a" and (displayName co "b" or not (title pr)) and active eq true', USER_RESOURCE);
    assert.equal(node.op, "and");
    assert.ok(node.op === "and");
    assert.equal(node.filters.length, 3);
    const middle = node.filters[1]!;
    assert.equal(middle.op, "or");
    assert.ok(middle.op === "or");
    assert.equal(middle.filters[1]!.op, "not");
    const orFirst = parseFilter('userName eq "a" or userName eq "b" and active eq false', USER_RESOURCE);
    assert.equal(orFirst.op, "or");
  });

  test("URN-prefixed names resolve to the core or the extension schema", () => {
    const core = parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "x"', USER_RESOURCE);
    assert.ok(core.op === "eq");
    assert.equal(core.attr.path, "name.givenName");
    assert.equal(core.attr.subAttr, "givenName");
    const ext = parseFilter('URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "701984"', USER_RESOURCE);
    assert.ok(ext.op === "eq");
    assert.equal(ext.attr.extension, true);
    assert.equal(ext.attr.schema, ENTERPRISE_USER_SCHEMA);
    assert.equal(ext.attr.path, `${ENTERPRISE_USER_SCHEMA}:employeeNumber`);
  });

  test("a value path keeps its filter; a sub-attribute after it is folded into the same element test", () => {
    const node = parseFilter('emails[type eq "work"].value eq "bjensen@example.com"', USER_RESOURCE);
    assert.equal(node.op, "valuePath");
    assert.ok(node.op === "valuePath");
    assert.equal(node.attr.path, "emails");
    assert.equal(node.filter.op, "and");
    assert.ok(node.filter.op === "and");
    const [first, second] = node.filter.filters as [FilterNode, FilterNode];
    assert.ok(first.op === "eq" && second.op === "eq");
    assert.equal(first.attr.path, "emails.type");
    assert.equal(second.attr.path, "emails.value");
    assert.equal(second.value, "bjensen@example.com");
  });

  test("a comparison on a multi-valued complex attribute reads its value sub-attribute", () => {
    const node = parseFilter('emails co "example.com"', USER_RESOURCE);
    assert.ok(node.op === "co");
    assert.equal(node.attr.path, "emails.value");
  });

  test("values are typed by the attribute", () => {
    const b = parseFilter('active eq "True"', USER_RESOURCE);
    assert.ok(b.op === "eq");
    assert.equal(b.value, true);
    const d = parseFilter('meta.lastModified gt "2011-05-13T04:42:34Z"', USER_RESOURCE);
    assert.ok(d.op === "gt");
    assert.equal(d.value, "2011-05-13T04:42:34Z");
  });

  test("strings are JSON strings: escapes decode, a backslash round-trips", () => {
    const node = parseFilter('userName eq "DOMAIN\\\\bjensen \\"B\\" \\u00e9"', USER_RESOURCE);
    assert.ok(node.op === "eq");
    assert.equal(node.value, 'DOMAIN\\bjensen "B" é');
  });

  test("without a resource type, Users' and Groups' attributes are both known", () => {
    const u = parseFilter('USERNAME eq "a"');
    assert.ok(u.op === "eq");
    assert.equal(u.attr.path, "userName");
    const g = parseFilter('members[value eq "902c246b-6245-4190-8e05-00816be7344a"]');
    assert.ok(g.op === "valuePath");
    assert.equal(g.attr.def?.name, "members");
    assert.equal(matchesFilter(group, g), true);
  });

  test("unknown attributes are allowed (kept attributes are filterable) and keep their spelling", () => {
    const node = parseFilter('costCode eq "CC-1"', USER_RESOURCE);
    assert.ok(node.op === "eq");
    assert.equal(node.attr.def, undefined);
    assert.equal(node.attr.attr, "costCode");
  });
});

describe("parseFilter: refusals are 400 invalidFilter", () => {
  const bad = [
    "",
    "   ",
    "userName",
    'userName eq',
    'userName xx "a"',
    'userName eq "a" and',
    '(userName eq "a"',
    'userName eq "a")',
    'userName eq "unterminated',
    'userName eq "bad \\x escape"',
    'userName eq "x" or "1" eq "1"',
    '"1" eq "1"',
    'userName eq "x"; DROP TABLE users',
    "userName eq 'x'",
    'active gt true',
    'active co "t"',
    'active eq "maybe"',
    'meta.created gt "yesterday"',
    'meta.created co "2010"',
    'userName gt null',
    'name eq "x"',
    'emails[type eq "work"][value eq "x"]',
    'emails[members[value eq "x"]]',
    'userName[value eq "x"]',
    'name.givenName.x eq "a"',
    'urn:example:unknown:Thing:attr eq "x"',
    'emails[type eq "work"].value',
    'userName eq "a" ) or ( userName eq "b"',
    "userName eq \u0000",
    '__proto__ eq "x"',
    'constructor eq "x"',
    'name.constructor eq "x"',
    'emails[constructor eq "x"]',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:prototype pr',
  ];
  for (const filter of bad) {
    test(JSON.stringify(filter).slice(0, 80), () => {
      expectScimError(() => parseFilter(filter, USER_RESOURCE), 400, "invalidFilter");
    });
  }

  test("a non-string is refused", () => {
    expectScimError(() => parseFilter(42 as unknown as string, USER_RESOURCE), 400, "invalidFilter");
  });
});

describe("parseFilter: bounds (no stack overflow, no 5xx)", () => {
  test("a 100 KB filter", () => {
    const huge = Array.from({ length: 3000 }, (_, i) => `userName eq "user${i}@example.com"`).join(" or ");
    assert.ok(huge.length > 100_000);
    expectScimError(() => parseFilter(huge, USER_RESOURCE), 400, "invalidFilter");
  });

  test(`exactly ${MAX_FILTER_LENGTH} characters is parsed, one more is refused`, () => {
    const base = 'userName eq "';
    const fits = base + "a".repeat(MAX_FILTER_LENGTH - base.length - 1) + '"';
    assert.equal(fits.length, MAX_FILTER_LENGTH);
    assert.equal(parseFilter(fits, USER_RESOURCE).op, "eq");
    const over = base + "a".repeat(MAX_FILTER_LENGTH - base.length) + '"';
    expectScimError(() => parseFilter(over, USER_RESOURCE), 400, "invalidFilter");
  });

  test("deep parentheses", () => {
    const deep = (n: number) => "(".repeat(n) + 'userName eq "a"' + ")".repeat(n);
    assert.equal(parseFilter(deep(MAX_FILTER_DEPTH), USER_RESOURCE).op, "eq");
    expectScimError(() => parseFilter(deep(MAX_FILTER_DEPTH + 1), USER_RESOURCE), 400, "invalidFilter");
    expectScimError(() => parseFilter(deep(4000), USER_RESOURCE), 400, "invalidFilter");
  });

  test("deep not", () => {
    const deep = "not (".repeat(1500) + 'userName eq "a"' + ")".repeat(1500);
    expectScimError(() => parseFilter(deep, USER_RESOURCE), 400, "invalidFilter");
  });

  test("too many terms", () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `id eq "${i}"`).join(" or ");
    const ok = parseFilter(terms(MAX_FILTER_TERMS), USER_RESOURCE);
    assert.ok(ok.op === "or");
    assert.equal(ok.filters.length, MAX_FILTER_TERMS);
    expectScimError(() => parseFilter(terms(MAX_FILTER_TERMS + 1), USER_RESOURCE), 400, "invalidFilter");
  });

  test("alternating and/or chains within the bounds parse without overflow", () => {
    const chain = Array.from({ length: MAX_FILTER_TERMS }, (_, i) => `id eq "${i}"`).reduce((acc, t, i) => (i === 0 ? t : `${acc} ${i % 2 ? "and" : "or"} ${t}`), "");
    assert.ok(chain.length <= MAX_FILTER_LENGTH);
    assert.equal(parseFilter(chain, USER_RESOURCE).op, "or");
  });

  test("a string that looks like filter syntax is only a value", () => {
    const node = parseFilter('userName eq "x\\" or \\"1\\" eq \\"1"', USER_RESOURCE);
    assert.ok(node.op === "eq");
    assert.equal(node.value, 'x" or "1" eq "1');
    assert.equal(userMatches('userName eq "x\\" or \\"1\\" eq \\"1"'), false);
    const brackets = parseFilter('userName eq "a]. b[ ( ) #0"', USER_RESOURCE);
    assert.ok(brackets.op === "eq");
    assert.equal(brackets.value, "a]. b[ ( ) #0");
  });
});

describe("matchesFilter (RFC 7644 §3.4.2.2 semantics)", () => {
  test("eq on userName is case-insensitive; on id and externalId case-exact", () => {
    assert.equal(userMatches('userName eq "bjensen@example.com"'), true);
    assert.equal(userMatches('USERNAME EQ "BJENSEN@EXAMPLE.COM"'), true);
    assert.equal(userMatches('externalId eq "Ext-Bjensen"'), true);
    assert.equal(userMatches('externalId eq "ext-bjensen"'), false);
    assert.equal(userMatches('id eq "2819C223-7F76-453A-919D-413861904646"'), false);
    assert.equal(userMatches('id eq "2819c223-7f76-453a-919d-413861904646"'), true);
  });

  test("ne, co, sw, ew, pr", () => {
    assert.equal(userMatches('userName ne "someone"'), true);
    assert.equal(userMatches('userName ne "BJENSEN@example.com"'), false);
    assert.equal(userMatches('title ne "x"'), true);
    assert.equal(userMatches('nickName ne "x"'), true, "ne holds for an absent attribute");
    assert.equal(userMatches('displayName co "JENS"'), true);
    assert.equal(userMatches('displayName sw "babs"'), true);
    assert.equal(userMatches('displayName ew "jensen"'), true);
    assert.equal(userMatches('displayName ew "babs"'), false);
    assert.equal(userMatches("title pr"), true);
    assert.equal(userMatches("nickName pr"), false);
    assert.equal(userMatches("emails pr"), true);
    assert.equal(userMatches("name.middleName pr"), false);
  });

  test("gt ge lt le on strings, dates (as dates) and booleans refused", () => {
    assert.equal(userMatches('userName gt "a"'), true);
    assert.equal(userMatches('userName lt "a"'), false);
    assert.equal(userMatches('meta.lastModified gt "2011-05-13T04:42:33Z"'), true);
    assert.equal(userMatches('meta.lastModified ge "2011-05-13T04:42:34Z"'), true);
    assert.equal(userMatches('meta.lastModified gt "2011-05-13T04:42:34Z"'), false);
    // Same instant written with an offset: compared as a date, not as text.
    assert.equal(userMatches('meta.lastModified eq "2011-05-13T06:42:34+02:00"'), true);
    assert.equal(userMatches('meta.created lt "2010-01-23T04:56:22.001Z"'), true);
    assert.equal(userMatches('meta.created le "2010-01-23"'), false);
  });

  test("booleans are typed: true, \"True\" and false", () => {
    assert.equal(userMatches("active eq true"), true);
    assert.equal(userMatches('active eq "True"'), true);
    assert.equal(userMatches("active eq false"), false);
    assert.equal(userMatches("active ne false"), true);
    assert.equal(matchesFilter({ ...user, active: "False" }, parseFilter("active eq false", USER_RESOURCE)), true);
  });

  test("multi-valued attributes match when any value does", () => {
    assert.equal(userMatches('emails.value eq "babs@jensen.org"'), true);
    assert.equal(userMatches('emails co "jensen.org"'), true);
    assert.equal(userMatches('emails.type eq "other"'), false);
  });

  test("value paths test one element as a whole", () => {
    assert.equal(userMatches('emails[type eq "work" and value co "@example.com"]'), true);
    assert.equal(userMatches('emails[type eq "home" and value co "@example.com"]'), false);
    assert.equal(userMatches('emails[type eq "work"].value eq "bjensen@example.com"'), true);
    // The home address is babs@jensen.org: a split test (any work email and any email with that value) would match.
    assert.equal(userMatches('emails[type eq "work"].value eq "babs@jensen.org"'), false);
    assert.equal(userMatches('emails[type eq "work"].value pr'), true);
    assert.equal(userMatches('emails[TYPE EQ "WORK"]'), true);
    assert.equal(userMatches('emails[not (type eq "work")]'), true);
    assert.equal(userMatches('emails[primary eq true and type eq "home"]'), false);
  });

  test("several value paths with sub-attributes, under not, and URN-prefixed", () => {
    assert.equal(userMatches('emails[type eq "work"].value eq "bjensen@example.com" and emails[type eq "home"].value eq "babs@jensen.org"'), true);
    assert.equal(userMatches('emails[type eq "work"].value eq "babs@jensen.org" or emails[type eq "home"].value eq "bjensen@example.com"'), false);
    assert.equal(userMatches('not (emails[type eq "work"].value eq "babs@jensen.org")'), true);
    assert.equal(userMatches('urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value sw "bjensen"'), true);
    assert.equal(userMatches('emails[type eq "work" or type eq "home"].value ew "jensen.org"'), true);
    assert.equal(userMatches('emails[type eq "work" or type eq "other"].value ew "jensen.org"'), false);
  });

  test("members[value eq \"id\"] on groups", () => {
    assert.equal(groupMatches('members[value eq "902c246b-6245-4190-8e05-00816be7344a"]'), true);
    assert.equal(groupMatches('members[value eq "902C246B-6245-4190-8E05-00816BE7344A"]'), false, "member values are ids: case-exact as written");
    assert.equal(groupMatches('members.value eq "2819c223-7f76-453a-919d-413861904646"'), true);
    assert.equal(groupMatches('displayName eq "tour guides"'), true);
  });

  test("and, or, not and grouping", () => {
    assert.equal(userMatches('userName eq "bjensen@example.com" and active eq true'), true);
    assert.equal(userMatches('userName eq "nobody" or title eq "Tour Guide"'), true);
    assert.equal(userMatches('not (userName eq "nobody")'), true);
    assert.equal(userMatches('not (userName eq "nobody" or title eq "Tour Guide")'), false);
    assert.equal(userMatches('(userName eq "nobody" or title eq "Tour Guide") and active eq false'), false);
  });

  test("schema-URN-prefixed names, core and extension", () => {
    assert.equal(userMatches('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com"'), true);
    assert.equal(userMatches(`${ENTERPRISE_USER_SCHEMA}:employeeNumber eq "701984"`), true);
    assert.equal(userMatches(`${ENTERPRISE_USER_SCHEMA}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`), true);
    assert.equal(userMatches(`${ENTERPRISE_USER_SCHEMA}:department pr`), false);
  });

  test("attribute names are case-insensitive on the resource too", () => {
    const shouty = { UserName: "Bjensen", EMAILS: [{ Value: "x@y", TYPE: "work" }] };
    assert.equal(matchesFilter(shouty, parseFilter('userName eq "bjensen"', USER_RESOURCE)), true);
    assert.equal(matchesFilter(shouty, parseFilter('emails[type eq "work"].value eq "x@y"', USER_RESOURCE)), true);
  });

  test("unknown (kept) attributes compare as case-insensitive strings", () => {
    assert.equal(userMatches('costCode eq "cc-1"'), true);
    assert.equal(userMatches('costCode sw "CC"'), true);
  });

  test("Entra's test connection: a random GUID matches nobody", () => {
    const guid = "3c8a6b3e-9d1f-4b2e-8f54-2a7d6c1e0b99";
    assert.equal(userMatches(`userName eq "${guid}"`), false);
    assert.equal(groupMatches(`displayName eq "${guid}"`), false);
  });

  test("numbers in filters against unknown attributes compare as numbers", () => {
    const r = { schemas: [USER_SCHEMA], userName: "a", level: 3 };
    assert.equal(matchesFilter(r, parseFilter("level gt 2", USER_RESOURCE)), true);
    assert.equal(matchesFilter(r, parseFilter("level eq 3", USER_RESOURCE)), true);
    assert.equal(matchesFilter(r, parseFilter('level eq "3"', USER_RESOURCE)), false);
  });
});
