/** Every route of the native API, by resource; the meta routes document all of them. */
import type { NativeRoute } from "../route.js";
import { accessRoutes } from "./access.js";
import { directoryRoutes } from "./directory.js";
import { emulatorFaultRoutes } from "./emulator-faults.js";
import { emulatorRoutes } from "./emulator.js";
import { engineRoutes } from "./engine.js";
import { keyRoutes } from "./keys.js";
import { metaRoutes } from "./meta.js";
import { organizationRoutes } from "./organization.js";
import { planRoutes } from "./plans.js";
import { provisioningRoutes } from "./provisioning.js";
import { scimRoutes } from "./scim.js";
import { sessionRoutes } from "./session.js";
import { timelineRoutes } from "./timeline.js";

export function nativeRoutes(): NativeRoute[] {
  const routes = [...organizationRoutes, ...directoryRoutes, ...provisioningRoutes, ...planRoutes, ...timelineRoutes, ...accessRoutes, ...scimRoutes, ...engineRoutes, ...keyRoutes, ...sessionRoutes, ...emulatorRoutes, ...emulatorFaultRoutes];
  return [...routes, ...metaRoutes(routes)];
}
