/**
 * CloudSSO writes directory ids `d-` + 12 characters; the core (and Tencent's zone ids) use `z-` and
 * the same 12. One directory is one id with a per-wire prefix, so both doors name the same object.
 * Users (`u-`) and groups (`g-`) have the same prefix on both wires and pass through unchanged.
 */
import { fail } from "../../core/errors.js";

const WIRE = "d-";
const CORE = "z-";

/** ResourceManager's resource directory is the organization: `rd-<org id>`. */
export function resourceDirectoryId(orgId: number): string {
  return `rd-${orgId}`;
}

/** Where a member sits in the resource directory, as TargetPath shows it (every member is under the root). */
export function resourceDirectoryPath(orgId: number, memberName: string): string {
  return `${resourceDirectoryId(orgId)}/root/${memberName}`;
}

export function directoryIdOut(coreId: string): string {
  return coreId.startsWith(CORE) ? WIRE + coreId.slice(CORE.length) : coreId;
}

/** A `d-` id to the core's; anything else (a `z-` id copied from the Tencent door) passes as it is. */
export function directoryIdIn(wireId: string): string {
  return wireId.startsWith(WIRE) ? CORE + wireId.slice(WIRE.length) : wireId;
}

/**
 * CloudSSO reserves names starting `d-` for directory ids (the user-portal URL takes either), so a
 * name may look like an id only when it is the directory's own. The core's name rules still apply.
 */
export function checkDirectoryNamePrefix(name: string | undefined, ownCoreId?: string): void {
  if (name?.startsWith(WIRE) && (ownCoreId === undefined || name !== directoryIdOut(ownCoreId))) {
    fail("directory.name_invalid", `directory names may not start with "${WIRE}" unless the name is the directory's own id`, "name");
  }
}

/**
 * Access configurations: CloudSSO writes `ac-`, the core (and Tencent's role configurations) `rc-`,
 * with the same suffix, as for directories.
 */
const CONFIGURATION_WIRE = "ac-";
const CONFIGURATION_CORE = "rc-";

export function accessConfigurationIdOut(coreId: string): string {
  return coreId.startsWith(CONFIGURATION_CORE) ? CONFIGURATION_WIRE + coreId.slice(CONFIGURATION_CORE.length) : coreId;
}

/** An `ac-` id to the core's; anything else passes as it is (and names no configuration unless it is an `rc-` id). */
export function accessConfigurationIdIn(wireId: string): string {
  return wireId.startsWith(CONFIGURATION_WIRE) ? CONFIGURATION_CORE + wireId.slice(CONFIGURATION_WIRE.length) : wireId;
}
