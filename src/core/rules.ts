/** Value rules several services share: enum checks, the sub-user name rule, the origins of directory principals. */
import type { PrincipalOrigin } from "../store/schema.js";
import { fail } from "./errors.js";

/** Where a directory user or group comes from: made by hand, or synchronized from an outside provider. */
export const ORIGINS: readonly PrincipalOrigin[] = ["Manual", "Synchronized"];

/** A sub-user's name (CAM and RAM alike): 1-64 letters, digits or +=,.@_- characters. */
export const SUBUSER_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;

/** An optional enum value, checked against its allowed values. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], field: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) fail("value.invalid", `${field} must be one of ${allowed.join(", ")}`, field);
  return value as T;
}
