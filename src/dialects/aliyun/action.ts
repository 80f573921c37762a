/**
 * What an Alibaba RPC action handler declares and gets. Its parameter and answer types are the
 * vendor's SDK models (generated/types.ts, from scripts/generate-aliyun-schemas.ts) with the
 * parameters the API reference requires made present (wire-spec.ts REQUIRED): a handler declares
 * nothing twice. The door checks and decodes the parameters from the generated request schema
 * (params.ts) and writes the answer from the generated response schema (responses.ts).
 */
import type { Reason } from "../../core/errors.js";
import type { MaybePromise } from "../../lib/maybe-promise.js";
import type { ActionContext } from "../../server/door.js";
import type { AliyunRequests, AliyunResponses } from "./generated/types.js";
import type { Product, REQUIRED } from "./wire-spec.js";

export type { Product } from "./wire-spec.js";

export type { ActionContext };

/** An action the vendor's SDK has. */
export type ActionName<P extends Product> = keyof AliyunRequests[P] & string;

/** The wire names wire-spec.ts REQUIRED lists for the action. */
type RequiredName<P extends Product, A extends string> = A extends keyof (typeof REQUIRED)[P] ? Extract<(typeof REQUIRED)[P][A], readonly string[]>[number] : never;

/** The parameters a handler gets: the vendor's request model, decoded, with the required ones present. */
export type Params<P extends Product, A extends ActionName<P>> = AliyunRequests[P][A] & {
  [K in RequiredName<P, A> & keyof AliyunRequests[P][A]]-?: NonNullable<AliyunRequests[P][A][K]>;
};

/** A value as a handler may give it: any field at any depth absent or null (both are omitted on the wire). */
type Wire<T> = T extends (infer I)[] ? Wire<I>[] : T extends object ? { [K in keyof T]?: Wire<T[K]> | null } : T;

/** What a handler answers: the vendor's response model (with OpenCIC's documented additions); RequestId is the door's. */
export type Answer<P extends Product, A extends ActionName<P>> = Wire<Omit<AliyunResponses[P][A & keyof AliyunResponses[P]], "RequestId">>;

interface Extras {
  /** This action's wire names for neutral fields the core may name in an error (e.g. email → NewEmail). */
  fieldNames?: Record<string, string>;
  /** This action's own code for a reason, where its product documents one (e.g. ResourceDirectoryNotInUse). */
  codes?: Partial<Record<Reason, string>>;
}

/** One action's handler as written in a table; `product` and `action` only carry the types. */
export interface Definition<P extends Product, A extends ActionName<P>> extends Extras {
  /** Answers at once when it can (see MaybePromise); most answer with a promise. */
  run(ctx: ActionContext, p: Params<P, A>): MaybePromise<Answer<P, A>>;
  product?: P;
  action?: A;
}

/** A handler as the door calls it: it knows its product and action, whose schemas check its parameters and write its answer. */
export interface Handler extends Extras {
  product: Product;
  action: string;
  run(ctx: ActionContext, params: Record<string, unknown>): MaybePromise<object>;
}

export type ActionTable = Record<string, Handler>;

/** A handler for the action whose table entry it is: its parameter and answer types come from that action's models. */
export function action<P extends Product, A extends ActionName<P>>(run: Definition<P, A>["run"], fieldNames?: Record<string, string>, codes?: Partial<Record<Reason, string>>): Definition<P, A> {
  return { run, fieldNames, codes };
}

/** A product's table: each key is an action of the vendor's SDK, typed by its models. */
export function actions<P extends Product>(product: P, table: { [A in ActionName<P>]?: Definition<P, A> }): ActionTable {
  const out: ActionTable = {};
  for (const [name, def] of Object.entries(table) as [string, Definition<P, ActionName<P>>][]) {
    out[name] = { product, action: name, fieldNames: def.fieldNames, codes: def.codes, run: def.run as Handler["run"] };
  }
  return out;
}
