/**
 * kysely's SQLite dialect with one change to the SQL it writes: a LIMIT or OFFSET is written `+?`.
 *
 * SQLite (3.53 here) plans a `limit ?` with the value bound at the time, and so marks the statement
 * to be prepared again whenever that parameter is bound anew: every run of a kept statement with a
 * bound LIMIT (every page of every list, every `.limit(1)`) parsed and planned its SQL again, which
 * cost as much as the read itself. A unary plus is a no-op on the value (LIMIT still takes an integer
 * or fails as before), but it is not a bare parameter, so the planner does not look at it and the
 * prepared statement is reused. The plans do not need the value: the lists read in index order.
 */
import { type LimitNode, type OffsetNode, type QueryCompiler, SqliteDialect, SqliteQueryCompiler } from "kysely";

class StableLimitCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    this.append("limit +");
    this.visitNode(node.limit);
  }

  protected override visitOffset(node: OffsetNode): void {
    this.append("offset +");
    this.visitNode(node.offset);
  }
}

export class StoreSqliteDialect extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new StableLimitCompiler();
  }
}
