/**
 * The request-nonce ledger: a signed request's (key, nonce) may be used once while its timestamp is
 * acceptable. Kept in the database so that several processes on one PostgreSQL database refuse a
 * replay sent to another process; the primary key settles races (one insert wins).
 */
import type { Kysely } from "kysely";
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
   * another key's nonces.
   */
  async use(keyId: string, nonce: string, expiresAt: number): Promise<void> {
    const now = this.clock.now();
    await this.prune(now);
    // An expired row for the same pair is taken over in place; an unexpired one makes the upsert a no-op.
    const res = await this.db
      .insertInto("request_nonces")
      .values({ key_id: keyId, nonce, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .columns(["key_id", "nonce"])
          .doUpdateSet({ expires_at: expiresAt })
          .where("request_nonces.expires_at", "<=", now),
      )
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) fail("auth.nonce_used", "Specified signature nonce was used already.");
  }

  private async prune(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS && now >= this.lastPrune) return;
    this.lastPrune = now;
    await this.db.deleteFrom("request_nonces").where("expires_at", "<=", now).execute();
  }
}
