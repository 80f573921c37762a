/**
 * One engine, several kinds of work: each kind's key starts with its own prefix (a provisioning
 * `up-`, a deployment `dp-`), and the router hands every call the worker makes about a key to the
 * reconciler of that kind. The worker, the queue, the give-up rule and the metrics stay one.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../store/schema.js";
import type { ReconcileResult } from "./result.js";
import type { GiveUp, ReconcileContext, Reconciler } from "./worker.js";

export class ReconcilerRouter implements Reconciler {
  readonly kind = "work";
  private readonly routes: [prefix: string, reconciler: Reconciler<any>][];

  constructor(routes: Record<string, Reconciler<any>>) {
    this.routes = Object.entries(routes);
  }

  /** The reconciler of `key`'s kind; a key no kind claims is a defect, not a retryable failure. */
  private route(key: string): Reconciler {
    for (const [prefix, reconciler] of this.routes) if (key.startsWith(prefix)) return reconciler;
    throw new Error(`no reconciler takes key ${key}`);
  }

  /** A key's kind ("provisioning", "deployment"). */
  kindOf(key: string): string {
    return this.route(key).kind;
  }

  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.route(key).reconcile(key, ctx);
  }

  settle(trx: Kysely<Database>, key: string, result: ReconcileResult): Promise<boolean> {
    return this.route(key).settle(trx, key, result);
  }

  lock(trx: Kysely<Database>, key: string): Promise<void> {
    return this.route(key).lock(trx, key);
  }

  giveUp(trx: Kysely<Database>, key: string, why: GiveUp): Promise<void> {
    return this.route(key).giveUp(trx, key, why);
  }
}
