/** Tencent's paging fields (MaxResults, NextToken, Offset, SortField/SortType; TotalCounts, IsTruncated) ↔ neutral pages. */
import type { Page, PageRequest } from "../../core/directory/paging.js";
import { fail } from "../../core/errors.js";

/** Tencent paging fields → the neutral page request; SortField/SortType are wire enums. */
export function pageRequest(req: { MaxResults?: number; NextToken?: string; Offset?: number; SortField?: string; SortType?: string }): PageRequest {
  if (req.SortField !== undefined && req.SortField !== "CreateTime") fail("value.invalid", "SortField must be CreateTime", "sortField");
  if (req.SortType !== undefined && req.SortType !== "Asc" && req.SortType !== "Desc") fail("value.invalid", "SortType must be Asc or Desc", "sortType");
  // No SortType leaves the order to the list (tasks are newest first).
  return { maxResults: req.MaxResults, nextToken: req.NextToken || undefined, offset: req.Offset, descending: req.SortType === undefined ? undefined : req.SortType === "Desc" };
}

export function pageFields<T>(page: Page<T>) {
  return {
    TotalCounts: page.totalCounts,
    MaxResults: page.maxResults,
    IsTruncated: page.isTruncated,
    NextToken: page.nextToken ?? null,
  };
}

