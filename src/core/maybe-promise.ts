/** Moved to lib/ (the store uses it too, and the store imports nothing above it). */
export * from "../lib/maybe-promise.js";
