/**
 * Provisionings: create (a principal, target accounts, both strategies explained in place), confirmed
 * on the plan of what it will do; the list with live progress per provisioning and account (polled
 * twice a second, so a change shows within 1 s); each one's task history; failures with their reasons,
 * retried with another duplication strategy; deletion with a choice of what happens to the sub-users,
 * confirmed on its plan; the deletions the circuit breaker held, approved or rejected.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Failure, type Group, type Page, type Plan, type Provisioning, type ProvisioningTask, type User, membersQuery } from "../api";
import { Choice, ErrorNote, ProgressBar, Section, Select, time } from "../ui";
import { HeldDeletionsSection, PlanTable } from "./Plans";
import { timelineHref } from "./Timeline";

type Duplication = "KeepBoth" | "TakeOver";
type Deletion = "Delete" | "Keep";

const DUPLICATION: { value: Duplication; label: string; explain: string }[] = [
  { value: "KeepBoth", label: "Keep both", explain: "when the account already has a sub-user of that name, create another with the suffix _cic and leave the existing one alone." },
  { value: "TakeOver", label: "Take over", explain: "when the account already has a sub-user of that name, adopt it: from then on this provisioning manages it." },
];
const DELETION: { value: Deletion; label: string; explain: string }[] = [
  { value: "Delete", label: "Delete", explain: "when the provisioning is deleted, delete the sub-users it made." },
  { value: "Keep", label: "Keep", explain: "when the provisioning is deleted, leave its sub-users in the account, unmanaged." },
];
// Half a second: a change reaches the page within one poll plus the worker's pick-up, under the 1 s goal (BENCHMARKS.md).
const POLL_MS = 500;

export function Provisionings({ directoryId }: { directoryId: string }) {
  const base = `/directories/${directoryId}`;
  const list = useQuery({
    queryKey: ["provisionings", directoryId, "list"],
    queryFn: () => api<Page<Provisioning>>("GET", `${base}/provisionings`, { query: { maxResults: 100 } }),
    refetchInterval: POLL_MS,
  });
  const [tasksOf, setTasksOf] = useState<Provisioning | undefined>();
  const members = useQuery(membersQuery);
  const accountName = (uin: number) => members.data?.items.find((m) => m.uin === uin)?.name ?? String(uin);
  return (
    <>
      <CreateProvisioning directoryId={directoryId} accountName={accountName} />
      <HeldDeletionsSection directoryId={directoryId} accountName={accountName} pollMs={POLL_MS} />
      <Section title="Provisionings">
        <ErrorNote error={list.error} />
        {list.data?.items.length === 0 && <p className="empty">No provisionings yet.</p>}
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Principal</th>
                <th scope="col">Account</th>
                <th scope="col">Progress</th>
                <th scope="col">Strategies</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data?.items.map((p) => (
                <ProvisioningRow key={p.provisioningId} base={base} p={p} showTasks={() => setTasksOf(p)} accountName={accountName} />
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Failures directoryId={directoryId} />
      {tasksOf && <Tasks key={tasksOf.provisioningId} base={base} p={tasksOf} />}
    </>
  );
}

const describe = (p: Provisioning) => `${p.principal.type === "Group" ? "group" : "user"} ${p.principal.name} into ${p.target.name}`;

function ProvisioningRow({ base, p, showTasks, accountName }: { base: string; p: Provisioning; showTasks(): void; accountName(uin: number): string }) {
  const queries = useQueryClient();
  const [deletion, setDeletion] = useState<Deletion>(p.deletionStrategy);
  // The deletion is confirmed on its plan: which sub-users go, which stay, which the breaker would hold.
  const review = useMutation({ mutationFn: () => api<Plan>("POST", `${base}/plans`, { body: { kind: "delete", provisioningId: p.provisioningId, deletionStrategy: deletion } }) });
  const remove = useMutation({
    mutationFn: () => api("DELETE", `${base}/provisionings/${p.provisioningId}`, { query: { deletionStrategy: deletion } }),
    onSuccess: () => {
      review.reset();
      void queries.invalidateQueries({ queryKey: ["provisionings"] });
    },
  });
  return (
    <>
    <tr data-provisioning={p.provisioningId}>
      <td>
        {p.principal.type === "Group" ? "Group" : "User"} <strong>{p.principal.name}</strong>
      </td>
      <td>
        {p.target.name} <span className="muted">({p.target.accountUin})</span>
      </td>
      <td>
        <ProgressBar {...p.progress} label={`Progress of ${describe(p)}`} />
      </td>
      <td>
        {p.duplicationStrategy} / {p.deletionStrategy}
      </td>
      <td className="actions">
        <button type="button" onClick={showTasks} aria-label={`Tasks of ${describe(p)}`}>
          Tasks
        </button>
        <a href={timelineHref({ provisioningId: p.provisioningId })} aria-label={`Timeline of ${describe(p)}`}>
          Timeline
        </a>
        <Select
          label={`When deleting ${describe(p)}, its sub-users`}
          value={deletion}
          onChange={(d) => {
            setDeletion(d);
            review.reset();
          }}
          options={DELETION.map((d) => ({ value: d.value, label: `${d.label}: ${d.value === "Keep" ? "stay, unmanaged" : "are deleted"}` }))}
        />
        <button type="button" className="danger" aria-label={`Delete provisioning of ${describe(p)}`} disabled={review.isPending} onClick={() => review.mutate()}>
          Delete…
        </button>
        <ErrorNote error={review.error} />
        <ErrorNote error={remove.error} />
      </td>
    </tr>
    {review.data && (
      <tr className="plan-row">
        <td colSpan={5}>
          <PlanTable plan={review.data} accountName={accountName} label={`Plan of deleting ${describe(p)}`} />
          <div className="row-form">
            <button type="button" className="danger" disabled={remove.isPending} aria-label={`Confirm: delete provisioning of ${describe(p)}`} onClick={() => remove.mutate()}>
              Delete as planned
            </button>
            <button type="button" onClick={() => review.reset()}>
              Cancel
            </button>
          </div>
        </td>
      </tr>
    )}
    </>
  );
}

function CreateProvisioning({ directoryId, accountName }: { directoryId: string; accountName(uin: number): string }) {
  const base = `/directories/${directoryId}`;
  const queries = useQueryClient();
  const [principalType, setPrincipalType] = useState<"User" | "Group">("Group");
  const [principalId, setPrincipalId] = useState("");
  const [targets, setTargets] = useState<number[]>([]);
  const [duplication, setDuplication] = useState<Duplication>("KeepBoth");
  const [deletion, setDeletion] = useState<Deletion>("Delete");
  const users = useQuery({ queryKey: ["users", directoryId, "picker"], queryFn: () => api<Page<User>>("GET", `${base}/users`, { query: { maxResults: 100 } }), enabled: principalType === "User" });
  const groups = useQuery({ queryKey: ["groups", directoryId, "picker"], queryFn: () => api<Page<Group>>("GET", `${base}/groups`, { query: { maxResults: 100 } }), enabled: principalType === "Group" });
  const members = useQuery(membersQuery);
  const principals =
    principalType === "User" ? (users.data?.items ?? []).map((u) => ({ value: u.userId, label: u.userName })) : (groups.data?.items ?? []).map((g) => ({ value: g.groupId, label: g.groupName }));
  const chosen = principals.some((p) => p.value === principalId) ? principalId : (principals[0]?.value ?? "");
  const items = targets.map((targetUin) => ({ principalType, principalId: chosen, targetUin, duplicationStrategy: duplication, deletionStrategy: deletion }));
  // What is provisioned is what was reviewed: the plan is kept with the choices it was made for, and a change of choice asks for a new one.
  const choices = JSON.stringify(items);
  const review = useMutation({
    mutationFn: async () => {
      const plans = await Promise.all(items.map((item) => api<Plan>("POST", `${base}/plans`, { body: { kind: "create", ...item } })));
      return { choices, plan: { plans: plans.flatMap((p) => p.plans), counts: plans[0]!.counts } };
    },
  });
  const reviewed = review.data?.choices === choices ? review.data.plan : undefined;
  const create = useMutation({
    mutationFn: async () => {
      for (const item of items) await api("POST", `${base}/provisionings`, { body: item });
    },
    onSuccess: () => {
      setTargets([]);
      review.reset();
      void queries.invalidateQueries({ queryKey: ["provisionings"] });
    },
  });
  return (
    <Section title="Provision a user or group">
      <form
        className="stack-form"
        aria-label="Provision a user or group"
        onSubmit={(e) => {
          e.preventDefault();
          if (reviewed) create.mutate();
          else review.mutate();
        }}
      >
        <div className="row-form">
          <Select label="Principal type" value={principalType} onChange={setPrincipalType} options={[{ value: "Group", label: "Group" }, { value: "User", label: "User" }]} />
          <Select label={principalType === "Group" ? "Group" : "User"} value={chosen} onChange={setPrincipalId} options={principals} />
        </div>
        <fieldset className="choice">
          <legend>Target accounts</legend>
          {members.data?.items.map((m) => (
            <label key={m.uin} className="choice-option">
              <input type="checkbox" checked={targets.includes(m.uin)} onChange={(e) => setTargets(e.target.checked ? [...targets, m.uin] : targets.filter((t) => t !== m.uin))} />
              <span>
                {m.name} <span className="muted">({m.uin})</span>
              </span>
            </label>
          ))}
          <ErrorNote error={members.error} />
        </fieldset>
        <Choice legend="If a sub-user of the same name exists" name="duplication" value={duplication} onChange={setDuplication} options={DUPLICATION} />
        <Choice legend="When the provisioning is deleted" name="deletion" value={deletion} onChange={setDeletion} options={DELETION} />
        {reviewed && <PlanTable plan={reviewed} accountName={accountName} label="Plan of this provisioning" />}
        <ErrorNote error={review.error} />
        <ErrorNote error={create.error} />
        <div className="row-form">
          <button type="submit" disabled={!chosen || targets.length === 0 || create.isPending || review.isPending}>
            {reviewed ? "Provision as planned" : "Review plan"}
          </button>
          {reviewed && (
            <button type="button" onClick={() => review.reset()}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </Section>
  );
}

function Tasks({ base, p }: { base: string; p: Provisioning }) {
  const tasks = useQuery({
    queryKey: ["tasks", p.provisioningId],
    queryFn: () => api<Page<ProvisioningTask>>("GET", `${base}/provisionings/${p.provisioningId}/tasks`, { query: { maxResults: 20 } }),
    refetchInterval: POLL_MS,
  });
  return (
    <Section title={`Tasks of ${describe(p)}`}>
      <ErrorNote error={tasks.error} />
      <ul className="plain">
        {tasks.data?.items.map((t) => (
          <li key={t.taskId}>
            {time(t.createdAt)} · {t.type} · <strong>{t.status}</strong>
            {t.failureReason ? ` · ${t.failureReason}` : ""}
          </li>
        ))}
      </ul>
    </Section>
  );
}

function Failures({ directoryId }: { directoryId: string }) {
  const failures = useQuery({
    queryKey: ["failures", directoryId, "list"],
    queryFn: () => api<Page<Failure>>("GET", `/directories/${directoryId}/failures`, { query: { maxResults: 100 } }),
    refetchInterval: POLL_MS,
  });
  return (
    <Section title="Failures">
      <ErrorNote error={failures.error} />
      {failures.data?.items.length === 0 && <p className="empty">No failures.</p>}
      <ul className="plain">
        {failures.data?.items.map((f) => (
          <FailureItem key={f.failureId} directoryId={directoryId} f={f} />
        ))}
      </ul>
    </Section>
  );
}

function FailureItem({ directoryId, f }: { directoryId: string; f: Failure }) {
  const queries = useQueryClient();
  const [strategy, setStrategy] = useState<Duplication>("TakeOver");
  const retry = useMutation({
    mutationFn: () => api("POST", `/directories/${directoryId}/failures/${f.failureId}/retry`, { body: { duplicationStrategy: strategy } }),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["failures"] }),
  });
  const who = f.userName || f.provisioning.principal.name;
  return (
    <li className="failure" data-failure={f.failureId}>
      <p>
        <strong>{who}</strong> into {f.provisioning.target.name}: <span className="bad">{f.failureReason}</span> <span className="muted">({f.failureKind}, {f.failureCount} attempt{f.failureCount === 1 ? "" : "s"}, last {time(f.lastAttemptAt)})</span>
        {f.userId ? (
          <>
            {" "}
            <a href={timelineHref({ userId: f.userId })}>Timeline of {who}</a>
          </>
        ) : null}
      </p>
      {/* Held deletions are decided in their own section: a retry would only hold them again. */}
      {f.failureKind === "deletions_held" ? (
        <p className="muted">Approve or reject them under Held deletions.</p>
      ) : (
      <form
        className="row-form"
        aria-label={`Retry ${who} into ${f.provisioning.target.name}`}
        onSubmit={(e) => {
          e.preventDefault();
          retry.mutate();
        }}
      >
        <Select label={`Retry ${who} with`} value={strategy} onChange={setStrategy} options={DUPLICATION.map((d) => ({ value: d.value, label: `${d.label} (${d.value})` }))} />
        <button type="submit" disabled={retry.isPending}>
          Retry
        </button>
      </form>
      )}
      <ErrorNote error={retry.error} />
    </li>
  );
}
