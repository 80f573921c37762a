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
  /** Some deployment of it holds an older version of its policies (Alibaba StatusNotifications ReprovisionRequired). */
  redeployRequired: boolean;
  /** Set when a list asked for a selection: assigned on the given accounts (to the given principal). */
  selected?: boolean;
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

export function configurationView(r: AccessConfiguration, redeployRequired = false): ConfigurationView {
  return {
    configurationId: r.configuration_id,
    directoryId: r.directory_id,
    name: r.name,
    description: r.description,
    sessionDuration: Number(r.session_duration),
    relayState: r.relay_state,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    redeployRequired,
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

import type { PrincipalType, TargetType } from "../provisioning/views.js";
export type { PrincipalType, TargetType };

/**
 * Where a deployment stands, as both clouds report it: deployed (and whether the configuration changed
 * since: Tencent DeployedRequired, Alibaba ReprovisionRequired), deploying, or failed to deploy or to
 * undeploy (Tencent DeployFailed, Alibaba DeprovisionFailed).
 */
export type DeploymentState = "Deployed" | "RedeployRequired" | "Deploying" | "DeployFailed" | "Removing" | "RemoveFailed";

export interface AssignmentView {
  directoryId: string;
  configurationId: string;
  configurationName: string;
  targetType: TargetType;
  targetUin: number;
  /** The account's member name in the organization. */
  targetName: string;
  principalType: PrincipalType;
  principalId: string;
  principalName: string;
  createdAt: number;
  updatedAt: number;
}

export interface DeploymentView {
  directoryId: string;
  configurationId: string;
  configurationName: string;
  targetType: TargetType;
  targetUin: number;
  targetName: string;
  state: DeploymentState;
  /** Why the last deploy or undeploy failed; "" otherwise. */
  failureReason: string;
  /** The policies the role holds (or will, once deployed): system policy names and the inline one's name. */
  policies: { type: PolicyType; name: string }[];
  /** First deployment, and the last (re)deployment. */
  createdAt: number;
  updatedAt: number;
}

/** Neutral task kinds; Tencent spells them ProvisionRoleConfiguration…, Alibaba ProvisionAccessConfiguration…. */
export type AccessTaskType = "Provision" | "Deprovision" | "CreateAssignment" | "DeleteAssignment";
export type TaskStatus = "InProgress" | "Success" | "Failed";

export interface AccessTaskView {
  taskId: string;
  directoryId: string;
  type: AccessTaskType;
  status: TaskStatus;
  failureReason: string;
  configurationId: string;
  configurationName: string;
  targetType: TargetType;
  targetUin: number;
  targetName: string;
  principalType?: PrincipalType;
  principalId?: string;
  principalName?: string;
  createdAt: number;
  /** When it finished (Success or Failed); its last change while InProgress. */
  updatedAt: number;
}

/** A role a deployment landed in an account, as the account itself sees it. */
export interface AccountRoleView {
  accountUin: number;
  roleId: string;
  configurationId: string;
  /** The configuration's name: the doors prefix it (TencentCloudSSO-, AliyunReservedSSO-). */
  configurationName: string;
  directoryId: string;
  description: string;
  sessionDuration: number;
  createdAt: number;
  updatedAt: number;
}

export interface AccountRolePolicyView {
  type: PolicyType;
  name: string;
  grammar: PolicyGrammar;
  policyId?: number;
  document?: string;
  attachedAt: number;
}

/** The identity provider of a directory in an account (TencentReservedSSO-<zone>, AliyunReservedSSO-<directory>). */
export interface AccountSamlProviderView {
  accountUin: number;
  directoryId: string;
  createdAt: number;
  updatedAt: number;
}
