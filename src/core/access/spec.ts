/**
 * The desired state of a deployment's role: the configuration's session and policies as they were
 * when it was last provisioned. Kept with the deployment (as JSON), because a role does not follow
 * its configuration on its own: a policy change waits for the next provision, on both clouds.
 */
import type { AccessConfiguration, AccessConfigurationPolicy } from "../../store/schema.js";
import type { PolicyGrammar } from "./policies.js";
import type { PolicyType } from "./views.js";

export interface RolePolicySpec {
  type: PolicyType;
  name: string;
  grammar: PolicyGrammar;
  policyId: number | null;
  document: string | null;
}

export interface RoleSpec {
  configurationName: string;
  description: string;
  sessionDuration: number;
  policies: RolePolicySpec[];
}

export function roleSpec(c: AccessConfiguration, policies: readonly AccessConfigurationPolicy[]): RoleSpec {
  return {
    configurationName: c.name,
    description: c.description,
    sessionDuration: Number(c.session_duration),
    policies: policies.map((p) => ({ type: p.policy_type, name: p.policy_name, grammar: p.grammar, policyId: p.policy_id === null ? null : Number(p.policy_id), document: p.document })),
  };
}

export function parseRoleSpec(json: string): RoleSpec {
  return JSON.parse(json) as RoleSpec;
}

/** A policy's identity on a role: its type and name, without regard to case (as configurations hold them). */
export const policyKey = (p: { type: PolicyType; name: string }): string => `${p.type}:${p.name.toLowerCase()}`;

export interface PolicyPlan {
  attach: RolePolicySpec[];
  detach: { type: PolicyType; name: string }[];
  /** Attached already, with another document or id: replaced. */
  replace: RolePolicySpec[];
}

/** What to change so a role holding `actual` holds `desired`: only the difference. Pure. */
export function planPolicies(desired: readonly RolePolicySpec[], actual: readonly RolePolicySpec[]): PolicyPlan {
  const have = new Map(actual.map((p) => [policyKey(p), p]));
  const want = new Map(desired.map((p) => [policyKey(p), p]));
  const plan: PolicyPlan = { attach: [], detach: [], replace: [] };
  for (const [k, p] of want) {
    const h = have.get(k);
    if (!h) plan.attach.push(p);
    else if (h.document !== p.document || h.policyId !== p.policyId || h.grammar !== p.grammar || h.name !== p.name) plan.replace.push(p);
  }
  for (const [k, p] of have) if (!want.has(k)) plan.detach.push({ type: p.type, name: p.name });
  return plan;
}
