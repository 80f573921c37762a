import assert from "node:assert/strict";
import { ScimError, type ScimType } from "../../../src/dialects/scim/protocol/errors.js";

/** Asserts that `fn` throws a ScimError with this status (and scimType when given), and returns it. */
export function expectScimError(fn: () => unknown, status: number, scimType?: ScimType | null): ScimError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof ScimError, `expected a ScimError, got ${thrown instanceof Error ? thrown.stack : String(thrown)}`);
  assert.equal(thrown.status, status, `status of: ${thrown.detail}`);
  if (scimType !== undefined) assert.equal(thrown.scimType, scimType ?? undefined, `scimType of: ${thrown.detail}`);
  return thrown;
}

export async function expectScimErrorAsync(fn: () => Promise<unknown>, status: number, scimType?: ScimType | null): Promise<ScimError> {
  let thrown: unknown;
  try {
    await fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof ScimError, `expected a ScimError, got ${String(thrown)}`);
  assert.equal(thrown.status, status);
  if (scimType !== undefined) assert.equal(thrown.scimType, scimType ?? undefined);
  return thrown;
}
