/**
 * List queries (RFC 7644 §3.4.2, §3.4.3) and cursor paging (RFC 9865): one reader for GET query
 * strings and POST /.search bodies, and the ListResponse envelope.
 */
import { ScimError, invalidSyntax, invalidValue } from "./errors.js";
import { findKey, isPlainObject } from "./coerce.js";

export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/** Largest page: `count` above it is lowered to it (the ServiceProviderConfig's filter.maxResults). */
export const MAX_PAGE_SIZE = 100;
/** Page size when the client names no `count`. */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest startIndex taken as given; larger values read as this (the page is empty either way). */
export const MAX_INDEX = 2_147_483_647;
/** Longest cursor accepted (cursors are the server's own short tokens). */
export const MAX_CURSOR_LENGTH = 1024;

export interface ListQuery {
  filter?: string;
  /** 1-based; values below 1 read as 1 (RFC 7644 §3.4.2.4). */
  startIndex: number;
  /** 0..MAX_PAGE_SIZE; 0 asks only for totalResults. */
  count: number;
  /** True when the client sent `count` (a cursor page without it uses the default size). */
  countGiven: boolean;
  sortBy?: string;
  sortOrder?: "ascending" | "descending";
  attributes?: string;
  excludedAttributes?: string;
  /**
   * RFC 9865: present when the client asked for cursor paging; "" asks for the first page.
   * Only unreserved characters (RFC 3986 §2.3); anything else is 400 invalidCursor.
   */
  cursor?: string;
}

type QueryInput = Record<string, unknown>;

function single(input: QueryInput, name: string): unknown {
  const key = findKey(input, name);
  if (key === undefined) return undefined;
  const v = input[key];
  // A repeated query parameter: the first one counts (fastify gives an array).
  return Array.isArray(v) && !(name === "attributes" || name === "excludedAttributes") ? v[0] : v;
}

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw invalidValue(`${name} must be an integer`);
  // Past any real result set; kept within 32 bits so no engine sees an out-of-range OFFSET.
  return Math.max(-MAX_INDEX, Math.min(MAX_INDEX, n));
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (value.some((v) => typeof v !== "string")) throw invalidValue(`${name} must be a list of strings`);
    return value.join(",");
  }
  if (typeof value !== "string") throw invalidValue(`${name} must be a string`);
  return value;
}

/**
 * Reads list parameters from a GET query (`source: "query"`, values strings or string arrays) or a
 * POST /.search body (`source: "search"`: a SearchRequest object, numbers and attribute arrays
 * allowed). Numeric strings are accepted in both. Throws ScimError 400.
 */
export function parseListQuery(input: unknown, source: "query" | "search" = "query"): ListQuery {
  if (!isPlainObject(input)) throw invalidSyntax(source === "search" ? "The search body must be a JSON object" : "Bad query");
  if (source === "search") {
    const schemas = single(input, "schemas");
    const list = Array.isArray(input[findKey(input, "schemas") ?? "schemas"]) ? (input[findKey(input, "schemas")!] as unknown[]) : [schemas];
    if (!list.some((s) => typeof s === "string" && s.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase())) {
      throw invalidSyntax(`"schemas" must be ["${SEARCH_REQUEST_SCHEMA}"]`);
    }
  }
  const query: ListQuery = { startIndex: 1, count: DEFAULT_PAGE_SIZE, countGiven: false };
  const filter = text(single(input, "filter"), "filter");
  if (filter !== undefined && filter.trim() !== "") query.filter = filter;
  const startIndex = integer(single(input, "startIndex"), "startIndex");
  if (startIndex !== undefined) query.startIndex = Math.max(1, startIndex);
  const count = integer(single(input, "count"), "count");
  if (count !== undefined) {
    query.count = Math.min(MAX_PAGE_SIZE, Math.max(0, count));
    query.countGiven = true;
  }
  const sortBy = text(single(input, "sortBy"), "sortBy");
  if (sortBy !== undefined && sortBy.trim() !== "") query.sortBy = sortBy.trim();
  const sortOrder = text(single(input, "sortOrder"), "sortOrder");
  if (sortOrder !== undefined && sortOrder.trim() !== "") {
    const lower = sortOrder.trim().toLowerCase();
    if (lower !== "ascending" && lower !== "descending") throw invalidValue("sortOrder must be ascending or descending");
    query.sortOrder = lower;
  }
  const attributes = text(input[findKey(input, "attributes") ?? "attributes"], "attributes");
  if (attributes !== undefined && attributes.trim() !== "") query.attributes = attributes;
  const excluded = text(input[findKey(input, "excludedAttributes") ?? "excludedAttributes"], "excludedAttributes");
  if (excluded !== undefined && excluded.trim() !== "") query.excludedAttributes = excluded;
  const cursorKey = findKey(input, "cursor");
  if (cursorKey !== undefined) {
    const cursor = single(input, "cursor");
    const value = cursor === undefined || cursor === null ? "" : cursor;
    if (typeof value !== "string" || value.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9\-._~]*$/.test(value)) {
      throw new ScimError(400, "invalidCursor", "cursor must be a cursor returned by this server");
    }
    if (startIndex !== undefined) throw invalidValue("Use either cursor or startIndex, not both");
    query.cursor = value;
  }
  return query;
}

export interface ListResponse {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex?: number;
  itemsPerPage: number;
  nextCursor?: string;
  Resources: object[];
}

/**
 * The ListResponse envelope (RFC 7644 §3.4.2): integers for totalResults, startIndex and
 * itemsPerPage (Okta requires numbers), `Resources` always present (an empty array for no match,
 * what Entra's test connection expects), `nextCursor` on every cursor page but the last.
 */
export function listResponse(
  resources: object[],
  totalResults: number,
  startIndex: number | undefined,
  itemsPerPage: number = resources.length,
  nextCursor?: string,
): ListResponse {
  // Key order as in the RFC's examples.
  const body = { schemas: [LIST_RESPONSE_SCHEMA], totalResults } as ListResponse;
  if (startIndex !== undefined) body.startIndex = startIndex;
  body.itemsPerPage = itemsPerPage;
  if (nextCursor !== undefined) body.nextCursor = nextCursor;
  body.Resources = resources;
  return body;
}
