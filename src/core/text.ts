/**
 * Rules on text and lists that hold whichever door they came through: which characters a value may
 * carry, how long a value or a list may be, and how long a search may be. Dialects apply them while
 * reading their parameters; the core applies the search bound where it builds a search.
 */
import { fail } from "./errors.js";

/**
 * Control characters other than tab, line feed and carriage return (C0, DEL and C1). NUL cannot be
 * stored in PostgreSQL text at all, and the others would reach logs, terminals and consoles as
 * escapes; no name, id, address or description needs them.
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether text is well-formed Unicode. A JSON escape (`"\ud800"`) can carry half of a surrogate pair,
 * which no character is; both engines would store it as U+FFFD, so the value read back would not be
 * the value written.
 */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * The first text in a parsed JSON value (its strings, and its objects' member names) that breaks the
 * two rules above, with where it is (dotted, "" for the value itself) and why; undefined when none
 * does. For doors that take whole JSON documents rather than one parameter at a time.
 */
export function findBadText(value: unknown, at = ""): { at: string; why: string } | undefined {
  if (typeof value === "string") {
    if (hasControlCharacters(value)) return { at, why: "a control character" };
    if (!isWellFormedText(value)) return { at, why: "broken Unicode (half of a surrogate pair)" };
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadText(value[i], at ? `${at}.${i}` : String(i));
      if (bad) return bad;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const field = at ? `${at}.${k}` : k;
      const bad = findBadText(k, field) ?? findBadText(v, field);
      if (bad) return bad;
    }
  }
  return undefined;
}

/**
 * Characters in a value whose parameter declares no length of its own: well above every documented
 * limit (the longest is a 1024-character description), far below what would cost anything to check.
 */
export const MAX_TEXT_LENGTH = 4096;

/** Items in one list parameter: it bounds the work (and the SQL parameters) one request can ask for. */
export const MAX_LIST_ITEMS = 1000;

/**
 * The longest text a search or name filter may carry: as long as the longest field a search looks
 * in (a 1024-character description), so no match is lost, and far inside what a LIKE pattern may be
 * on SQLite (50,000 bytes).
 */
export const MAX_SEARCH_TEXT = 1024;

export function checkSearchText(text: string | undefined, field: string): void {
  if (text !== undefined && [...text].length > MAX_SEARCH_TEXT) fail("value.invalid", `${field} is longer than ${MAX_SEARCH_TEXT} characters`, field);
}

/** Length in characters (code points), as both clouds count their limits: an emoji is one character. */
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
