/**
 * Rules on text that hold whichever door it came through: which characters a value may carry, and
 * how long a search may be. Dialects apply them while reading their parameters; the core applies
 * the search bound where it builds a search.
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

/**
 * The longest text a search or name filter may carry: as long as the longest field a search looks
 * in (a 1024-character description), so no match is lost, and far inside what a LIKE pattern may be
 * on SQLite (50,000 bytes).
 */
export const MAX_SEARCH_TEXT = 1024;

export function checkSearchText(text: string | undefined, field: string): void {
  if (text !== undefined && [...text].length > MAX_SEARCH_TEXT) fail("value.invalid", `${field} is longer than ${MAX_SEARCH_TEXT} characters`, field);
}
