/** What the access core hands the doors: configurations and their policies, in neutral names. */
import type { AccessConfiguration, AccessConfigurationPolicy } from "../../store/schema.js";
import type { PolicyGrammar } from "./policies.js";

export interface ConfigurationView {
  configurationId: string;
  directoryId: string;
  name: string;
  description: string;
  sessionDuration: number;
  relayState: string;
  createdAt: number;
  updatedAt: number;
}

export type PolicyType = "System" | "Inline";
export const POLICY_TYPES = ["System", "Inline"] as const satisfies readonly PolicyType[];

export interface ConfigurationPolicyView {
  type: PolicyType;
  name: string;
  grammar: PolicyGrammar;
  /** A CAM system policy's id; undefined for RAM system policies and inline documents. */
  policyId?: number;
  /** Inline documents only. */
  document?: string;
  addedAt: number;
}

export function configurationView(r: AccessConfiguration): ConfigurationView {
  return {
    configurationId: r.configuration_id,
    directoryId: r.directory_id,
    name: r.name,
    description: r.description,
    sessionDuration: Number(r.session_duration),
    relayState: r.relay_state,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function policyView(r: AccessConfigurationPolicy): ConfigurationPolicyView {
  return {
    type: r.policy_type,
    name: r.policy_name,
    grammar: r.grammar,
    policyId: r.policy_id === null ? undefined : Number(r.policy_id),
    document: r.document ?? undefined,
    addedAt: Number(r.added_at),
  };
}
