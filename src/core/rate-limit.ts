/** Moved to server/ (only the server limits requests). */
export * from "../server/rate-limit.js";
