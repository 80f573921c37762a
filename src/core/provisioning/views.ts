/**
 * What provisioning answers with: its own model in its own names, not the store's rows. Each view
 * has one mapping from its row(s) here; the doors translate views to their wires and import nothing
 * from the store.
 */
import type { BreakerSetting, BreakerThreshold } from "./breaker.js";
import type { EventSource, ProvisioningEvent, ProvisioningTask, Provisioning as ProvisioningRow, TaskStatus, UnitFailureKind } from "../../store/schema.js";

export type { EventSource, TaskStatus, UnitFailureKind };
export type PrincipalType = "User" | "Group";
/** The management account of the organization, or one of its members. */
export type TargetType = "ManagerUin" | "MemberUin";
export type DuplicationStrategy = "KeepBoth" | "TakeOver";
export type DeletionStrategy = "Delete" | "Keep";
export type ProvisioningStatus = "Enabled" | "Disabled";
export type ProvisioningTaskType = "StartProvisioning" | "DeleteProvisioning";

/**
 * Notes a door keeps with a provisioning (how its client spelled a value, say), written at create and
 * update. The core stores and returns them and never reads them.
 */
export type Annotations = Readonly<Record<string, string>>;

export interface PrincipalRef {
  type: PrincipalType;
  id: string;
  /** The user's or group's name ("" when it no longer exists). */
  name: string;
}

export interface ProvisioningTarget {
  type: TargetType;
  accountUin: number;
  /** The account's member name in its organization ("" when it is no longer a member). */
  name: string;
  /** The organization the account is a member of (0 when it is no longer a member). */
  orgId: number;
}

export interface ProvisioningView {
  provisioningId: string;
  directoryId: string;
  principal: PrincipalRef;
  target: ProvisioningTarget;
  duplicationStrategy: DuplicationStrategy;
  deletionStrategy: DeletionStrategy;
  description: string;
  status: ProvisioningStatus;
  createdAt: number;
  updatedAt: number;
  annotations: Annotations;
  /** This provisioning's deletion circuit breaker; null: the server's. */
  deletionBreaker: BreakerSetting | null;
}

/** A task as it was made (principal name and strategies then), with its progress now. */
export interface ProvisioningTaskView {
  taskId: string;
  directoryId: string;
  provisioningId: string;
  type: ProvisioningTaskType;
  status: TaskStatus;
  /** "" unless the task failed. */
  failureReason: string;
  principal: PrincipalRef;
  target: { type: TargetType; accountUin: number };
  duplicationStrategy: DuplicationStrategy;
  deletionStrategy: DeletionStrategy;
  createdAt: number;
  updatedAt: number;
}

/** A unit (provisioning, directory user) that could not converge, with its provisioning. */
export interface ProvisioningEventView {
  eventId: string;
  directoryId: string;
  provisioning: ProvisioningView;
  /** PROVISIONING_WIDE ("") when the event is about the provisioning as a whole (its reconcile gave up). */
  userId: string;
  userName: string;
  source: EventSource;
  failureKind: UnitFailureKind;
  failureReason: string;
  /** Runs that failed for this unit, this one included. */
  failureCount: number;
  /** The duplication strategy a retry asked for, for this unit alone. */
  duplicationOverride: DuplicationStrategy | null;
  lastAttemptAt: number;
  createdAt: number;
  updatedAt: number;
}

/** A provisioning row with its principal's name and its target's member name and organization, read in one join. */
export type ProvisioningViewRow = ProvisioningRow & { principal_name: string | null; target_name: string | null; org_id: number | null };

export function provisioningView(r: ProvisioningViewRow): ProvisioningView {
  return {
    provisioningId: r.provisioning_id,
    directoryId: r.directory_id,
    principal: { type: r.principal_type, id: r.principal_id, name: r.principal_name ?? "" },
    target: { type: r.target_type, accountUin: r.target_uin, name: r.target_name ?? "", orgId: r.org_id ?? 0 },
    duplicationStrategy: r.duplication_strategy,
    deletionStrategy: r.deletion_strategy,
    description: r.description,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    annotations: parseAnnotations(r.annotations),
    deletionBreaker: r.deletion_breaker === null ? null : r.deletion_breaker === "off" ? "off" : (JSON.parse(r.deletion_breaker) as BreakerThreshold),
  };
}

export function taskView(r: ProvisioningTask): ProvisioningTaskView {
  return {
    taskId: r.task_id,
    directoryId: r.directory_id,
    provisioningId: r.provisioning_id,
    type: r.task_type,
    status: r.status,
    failureReason: r.failure_reason,
    principal: { type: r.principal_type, id: r.principal_id, name: r.principal_name },
    target: { type: r.target_type, accountUin: r.target_uin },
    duplicationStrategy: r.duplication_strategy,
    deletionStrategy: r.deletion_strategy,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** An event row with its user's name; its provisioning's view is read alongside. */
export type EventViewRow = ProvisioningEvent & { user_name: string | null };

export function eventView(r: EventViewRow, provisioning: ProvisioningView): ProvisioningEventView {
  return {
    eventId: r.event_id,
    directoryId: r.directory_id,
    provisioning,
    userId: r.user_id,
    userName: r.user_name ?? "",
    source: r.source_type,
    failureKind: r.error_kind,
    failureReason: r.error_info,
    failureCount: Number(r.error_count),
    duplicationOverride: r.duplication_override,
    lastAttemptAt: r.last_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const NO_ANNOTATIONS: Annotations = Object.freeze({});

function parseAnnotations(json: string): Annotations {
  return json === "{}" ? NO_ANNOTATIONS : (JSON.parse(json) as Annotations);
}
