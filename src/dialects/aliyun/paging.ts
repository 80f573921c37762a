/** Alibaba's paging fields (MaxResults, NextToken in; IsTruncated, NextToken, MaxResults, TotalCounts out) ↔ neutral pages. */
import type { Page, PageRequest } from "../../core/directory/paging.js";

/** The request side, as every CloudSSO list's model has it; the bounds of MaxResults are the core's page sizes. */
export interface PagingParams {
  MaxResults?: number;
  NextToken?: string;
}

export function pageRequest(p: PagingParams): PageRequest {
  return { maxResults: p.MaxResults, nextToken: p.NextToken || undefined };
}

/** NextToken appears only on a truncated page, as CloudSSO sends it. */
export function pageFields<T>(page: Page<T>) {
  return {
    IsTruncated: page.isTruncated,
    ...(page.nextToken !== undefined ? { NextToken: page.nextToken } : {}),
    MaxResults: page.maxResults,
    TotalCounts: page.totalCounts,
  };
}
