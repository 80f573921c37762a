/**
 * What a reconcile returns, and the error that says "do not retry". A reconcile always returns a
 * result or throws: a thrown error is retried with backoff up to the attempt cap, a TerminalError
 * gives up at once.
 */

/**
 * - converged: the key's target state holds;
 * - unit_failures: it holds except for units that cannot converge until something changes (they are reported);
 * - deleted: the key was being deleted and is now gone;
 * - gone: the key no longer exists (removed elsewhere, possibly while this reconcile ran).
 */
export type ResultKind = "converged" | "unit_failures" | "deleted" | "gone";

/** What a reconcile changed. */
export interface Counts {
  created: number;
  adopted: number;
  updated: number;
  /** Sub-users deleted (DeletionStrategy Delete). */
  deleted: number;
  /** Sub-users let go as ordinary ones (DeletionStrategy Keep). */
  released: number;
  /** Deletions held by the deletion circuit breaker, waiting for an administrator. */
  held: number;
}

export interface ReconcileResult<F = unknown> {
  kind: ResultKind;
  /** The key's generation this reconcile saw (what its result answers for). */
  generation: number;
  counts: Counts;
  failures: F[];
}

export const noCounts = (): Counts => ({ created: 0, adopted: 0, updated: 0, deleted: 0, released: 0, held: 0 });

/** An error retrying cannot fix: the key gives up at once instead of after its attempts. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TerminalError";
  }
}

/** An error's message on one line, bounded: fit for a reason a person reads (no stack, no detail fields). */
export function errorMessage(err: unknown, max = 300): string {
  const raw = err instanceof Error ? err.message : String(err);
  const line = raw.split("\n", 1)[0]!.trim() || (err instanceof Error ? err.name : "unknown error");
  return line.length > max ? line.slice(0, max - 1) + "…" : line;
}
