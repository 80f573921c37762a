/** What a Tencent action handler gets and returns; handlers are typed from the SDK's own models. */
import type { Reason } from "../../core/errors.js";
import type { MaybePromise } from "../../lib/maybe-promise.js";
import type { ActionContext } from "../../server/door.js";

export type { ActionContext };

/** An SDK response type as the wire carries it: RequestId is added by the envelope, and any field may be null. */
export type Wire<R> = { [K in keyof Omit<R, "RequestId">]: Omit<R, "RequestId">[K] | null };

/** A handler answers at once when it can (see MaybePromise); most answer with a promise. */
export type Handler = ((ctx: ActionContext, req: never) => MaybePromise<object>) & {
  /** This action's wire names for neutral fields the core may name in an error (e.g. email → NewEmail). */
  fieldNames?: Record<string, string>;
  /** Where this action documents its own code for a reason (CAM names one per action for the same refusal). */
  codes?: Partial<Record<Reason, string>>;
};

/** Ties a handler to the SDK's request and response types for its action. */
export function action<Req, Res>(fn: (ctx: ActionContext, req: Req) => MaybePromise<Wire<Res>>, fieldNames?: Record<string, string>, codes?: Partial<Record<Reason, string>>): Handler {
  return Object.assign(fn as Handler, { fieldNames, codes });
}

export type ActionTable = Record<string, Handler>;
