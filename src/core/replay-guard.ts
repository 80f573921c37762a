/**
 * The request-nonce ledger: a signed request's (key, nonce) may be used once while its timestamp is
 * acceptable. Kept in the database so that several processes on one PostgreSQL database refuse a
 * replay sent to another process; the primary key settles races (one insert wins).
 */
import type { Kysely } from "kysely";
import { type MaybePromise, then } from "../lib/maybe-promise.js";
import { exec, precompiled } from "../store/statements.js";
import type { Database } from "../store/schema.js";
import type { Clock } from "./clock.js";
import { fail } from "./errors.js";

/** Expired rows are swept at most this often per process (an indexed range delete). */
const PRUNE_EVERY_MS = 60_000;

export class ReplayGuard {
  private lastPrune = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /**
   * Records (keyId, nonce) until `expiresAt` (epoch ms); fails with auth.nonce_used when it is already
   * recorded and unexpired. Call only after the signature checked out, so that nobody can burn
   * another key's nonces. Answers at once when the store writes at once (every signed Alibaba request
   * makes this write).
   */
  use(keyId: string, nonce: string, expiresAt: number): MaybePromise<void> {
    const now = this.clock.now();
    return then(this.prune(now), () =>
      then(recordNonce(this.db, keyId, nonce, expiresAt, now), (rows) => {
        if (rows.length === 0) fail("auth.nonce_used", "Specified signature nonce was used already.");
      }),
    );
  }

  private prune(now: number): MaybePromise<unknown> {
    if (now - this.lastPrune < PRUNE_EVERY_MS && now >= this.lastPrune) return undefined;
    this.lastPrune = now;
    return exec(this.db, this.db.deleteFrom("request_nonces").where("expires_at", "<=", now));
  }
}

/**
 * Inserts the pair, or takes over an expired row for it in place; an unexpired row makes the upsert a
 * no-op, so the statement returns a row exactly when the nonce was free.
 */
const recordNonce = precompiled((db: Kysely<Database>, keyId: string, nonce: string, expiresAt: number, now: number) =>
  db
    .insertInto("request_nonces")
    .values({ key_id: keyId, nonce, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(["key_id", "nonce"]).doUpdateSet({ expires_at: expiresAt }).where("request_nonces.expires_at", "<=", now))
    .returning("nonce"),
);
