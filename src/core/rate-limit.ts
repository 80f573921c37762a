/** Moved to src/server/rate-limit.ts; kept so files being edited elsewhere still compile. Delete once they import from there. */
export * from "../server/rate-limit.js";
