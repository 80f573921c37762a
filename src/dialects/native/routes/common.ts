/** What several route tables share: the path parameters, and a core page as the API writes it. */
import type { Page } from "../../../core/directory/paging.js";
import { obj, type Schema, str } from "../schema.js";

export const id = (description: string): Schema => str({ minLength: 1, maxLength: 128, description });
export const directoryParams = { directoryId: id("The directory (`z-…`).") };
export const inDirectory = (more: Record<string, Schema> = {}) => obj({ ...directoryParams, ...more });

/** A core page in the API's shape (the core's `totalCounts`, `nextToken`). */
export function pageOf<T, U = T>(p: Page<T>, map: (item: T) => U = (x) => x as unknown as U): { items: U[]; totalCount: number; nextToken?: string } {
  const out: { items: U[]; totalCount: number; nextToken?: string } = { items: p.items.map(map), totalCount: p.totalCounts };
  if (p.nextToken !== undefined) out.nextToken = p.nextToken;
  return out;
}
