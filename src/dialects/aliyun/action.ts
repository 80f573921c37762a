/**
 * What an Alibaba RPC action handler declares and gets. CloudSSO has no typed SDK on npm, so each
 * action declares its parameters here, from ../shared/specs/alibaba-cloudsso.md §3; the front door
 * checks them (Missing{Param}, InvalidParameter.{Param}) and coerces the strings the wire carries.
 */
import type { Reason } from "../../core/errors.js";
import type { ActionContext } from "../../server/door.js";

export type Product = "cloudsso" | "ram" | "resourcemanager";

export type { ActionContext };

export interface ParamRule {
  /**
   * string, integer and boolean arrive as strings and are coerced; `json` is a JSON-encoded
   * "shrink" parameter; `list` is a flattened repeat list (`X.1`, or `X.1.Key` for objects).
   */
  type: "string" | "integer" | "boolean" | "json" | "list";
  required?: boolean;
  /** Characters for a string; items for a list. */
  maxLength?: number;
  min?: number;
  max?: number;
  /** Accepted case-insensitively; the handler gets the value as the client spelled it. */
  enum?: readonly string[];
}

export type ParamRules = Record<string, ParamRule>;

export interface Handler {
  params: ParamRules;
  /** This action's wire names for neutral fields the core may name in an error (e.g. email → NewEmail). */
  fieldNames?: Record<string, string>;
  /** This action's own code for a reason, where its product documents one (e.g. ResourceDirectoryNotInUse). */
  codes?: Partial<Record<Reason, string>>;
  run(ctx: ActionContext, params: Record<string, unknown>): Promise<object>;
}

/** Ties a handler to its parameter declaration; `P` is the checked parameter object. */
export function action<P>(
  params: ParamRules,
  run: (ctx: ActionContext, p: P) => Promise<object>,
  fieldNames?: Record<string, string>,
  codes?: Partial<Record<Reason, string>>,
): Handler {
  return { params, fieldNames, codes, run: run as Handler["run"] };
}

export type ActionTable = Record<string, Handler>;
