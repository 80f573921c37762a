/**
 * The provisioning timeline: every decision the reconciler made about a sub-user, and why, newest
 * first; per sub-user (an account and its uin or name), per directory user, per provisioning, per account.
 */
import { int, obj, optional, paging, ref, arr, str } from "../schema.js";
import { type NativeRoute, route } from "../route.js";
import { id, inDirectory } from "./common.js";

type TimelineQuery = { accountUin?: number; subUserUin?: number; subUserName?: string; userId?: string; provisioningId?: string; maxResults?: number; nextToken?: string };

export const timelineRoutes: NativeRoute[] = [
  route<{ directoryId: string }, TimelineQuery>({
    method: "GET",
    path: "/directories/{directoryId}/timeline",
    name: "ListTimeline",
    summary: "Why sub-users exist, changed or went: the provisioning decisions, newest first, within the retention period",
    tag: "provisioning",
    params: inDirectory(),
    query: optional({
      ...paging,
      accountUin: int({ minimum: 1, description: "Decisions in this account." }),
      subUserUin: int({ minimum: 1, description: "Decisions about this sub-user of `accountUin`." }),
      subUserName: str({ minLength: 1, maxLength: 64, description: "Decisions about the sub-user of `accountUin` with this name (now, or the last one the timeline knew by it)." }),
      userId: id("Decisions about this directory user's sub-users."),
      provisioningId: id("Decisions of this provisioning (`up-…`)."),
    }),
    response: {
      status: 200,
      schema: obj(
        { items: arr(ref("TimelineDecision")), nextToken: str({ description: "Present when older decisions follow: pass it as `nextToken` for the next page." }) },
        ["nextToken"],
      ),
    },
    run: ({ core, caller }, { params, query }) => core.timeline.list(caller, params.directoryId, query),
  }),
];
