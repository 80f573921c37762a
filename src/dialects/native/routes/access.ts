/** Access by roles, read-only: configurations with their policies, assignments, deployments with their states, tasks. */
import { bool, int, oneOfValues, optional, page, paging, ref, str } from "../schema.js";
import { type NativeRoute, route } from "../route.js";
import { id, inDirectory, pageOf } from "./common.js";

type InDirectory = { directoryId: string };
type Paging = { maxResults?: number; nextToken?: string };
const configurationId = id("The access configuration (`rc-…`).");
const targetUin = int({ minimum: 1 });

export const accessRoutes: NativeRoute[] = [
  route<InDirectory, Paging & { search?: string; redeployRequired?: boolean }>({
    method: "GET",
    path: "/directories/{directoryId}/access-configurations",
    name: "ListAccessConfigurations",
    summary: "Access configurations, a page at a time",
    tag: "access",
    params: inDirectory(),
    query: optional({ ...paging, search: str({ minLength: 1, maxLength: 64 }), redeployRequired: bool() }),
    response: { status: 200, schema: page(ref("AccessConfiguration")) },
    run: async ({ core, caller }, { params, query }) => {
      const { search, ...rest } = query;
      return pageOf(await core.accessConfigurations.list(caller, params.directoryId, { ...rest, filter: search }));
    },
  }),
  route<InDirectory & { configurationId: string }>({
    method: "GET",
    path: "/directories/{directoryId}/access-configurations/{configurationId}",
    name: "GetAccessConfiguration",
    summary: "An access configuration with its policies",
    tag: "access",
    params: inDirectory({ configurationId }),
    response: { status: 200, schema: ref("AccessConfiguration") },
    run: async ({ core, caller }, { params }) => {
      const c = await core.accessConfigurations.get(caller, params.directoryId, params.configurationId);
      return { ...c, policies: await core.accessConfigurations.listPolicies(caller, params.directoryId, params.configurationId) };
    },
  }),
  route<InDirectory, Paging & { configurationId?: string; targetUin?: number; principalId?: string; principalType?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/assignments",
    name: "ListAssignments",
    summary: "Who is assigned which configuration on which account",
    tag: "access",
    params: inDirectory(),
    query: optional({ ...paging, configurationId, targetUin, principalType: oneOfValues(["User", "Group"]), principalId: str({ minLength: 1, maxLength: 128 }) }),
    response: { status: 200, schema: page(ref("Assignment")) },
    run: async ({ core, caller }, { params, query }) => pageOf(await core.accessDeployments.assignments(caller, params.directoryId, query)),
  }),
  route<InDirectory, Paging & { configurationId?: string; targetUin?: number }>({
    method: "GET",
    path: "/directories/{directoryId}/deployments",
    name: "ListDeployments",
    summary: "Configurations deployed into accounts, with their states",
    tag: "access",
    params: inDirectory(),
    query: optional({ ...paging, configurationId, targetUin }),
    response: { status: 200, schema: page(ref("Deployment")) },
    run: async ({ core, caller }, { params, query }) => pageOf(await core.accessDeployments.deployments(caller, params.directoryId, query)),
  }),
  route<InDirectory, Paging & { configurationId?: string; targetUin?: number; status?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/access-tasks",
    name: "ListAccessTasks",
    summary: "Deployment and assignment tasks",
    tag: "access",
    params: inDirectory(),
    query: optional({ ...paging, configurationId, targetUin, status: oneOfValues(["InProgress", "Success", "Failed"]) }),
    response: { status: 200, schema: page(ref("AccessTask")) },
    run: async ({ core, caller }, { params, query }) => pageOf(await core.accessDeployments.tasks(caller, params.directoryId, query)),
  }),
  route<InDirectory & { taskId: string }>({
    method: "GET",
    path: "/directories/{directoryId}/access-tasks/{taskId}",
    name: "GetAccessTask",
    summary: "One deployment or assignment task",
    tag: "access",
    params: inDirectory({ taskId: id("The task.") }),
    response: { status: 200, schema: ref("AccessTask") },
    run: ({ core, caller }, { params }) => core.accessDeployments.task(caller, params.directoryId, params.taskId),
  }),
];
