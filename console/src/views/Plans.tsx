/**
 * Plans before apply and the deletion circuit breaker, as the Provisionings view shows them: a plan
 * (what the reconciler would do, per account and sub-user) reviewed before a provisioning is created
 * or deleted, and the held deletions an administrator approves or rejects.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type HeldDeletions, type Plan, type PlannedOperation, type PlannedOpKind } from "../api";
import { ErrorNote, Section, time } from "../ui";

const VERBS: Record<PlannedOpKind, string> = {
  create: "create",
  adopt: "adopt",
  reuse: "reuse",
  update: "update",
  delete: "delete",
  keep: "keep, unmanaged",
  hold: "hold for approval",
  fail: "fail",
};

function detail(o: PlannedOperation): string {
  if (o.op === "create" && o.clashWith) return `"${o.clashWith}" is taken`;
  if (o.op === "update") return Object.entries(o.changes ?? {}).map(([k, c]) => `${k}: ${c.from || "(none)"} → ${c.to || "(none)"}`).join(", ");
  if (o.op === "fail") return o.failure?.reason ?? "";
  if (o.op === "hold") return "more deletions than the circuit breaker allows at once";
  return "";
}

/** A plan per target account: a summary, then each planned sub-user. */
export function PlanTable({ plan, accountName, label }: { plan: Plan; accountName(uin: number): string; label: string }) {
  return (
    <div className="plan" aria-label={label} role="group">
      {plan.plans.length === 0 && <p className="empty">Nothing would change.</p>}
      {plan.plans.map((p) => {
        const summary = (Object.entries(p.counts) as [PlannedOpKind, number][]).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${VERBS[op]}`);
        return (
          <div key={`${p.provisioningId ?? "new"}-${p.targetUin}`} className="plan-account">
            <p>
              <strong>{accountName(p.targetUin)}</strong> <span className="muted">({p.targetUin})</span>: {summary.length ? summary.join(", ") : "nothing to do"}
            </p>
            {p.operations.length > 0 && (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Planned</th>
                      <th scope="col">Directory user</th>
                      <th scope="col">Sub-user</th>
                      <th scope="col">Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.operations.map((o, i) => (
                      <tr key={i} className={o.op === "fail" || o.op === "hold" || o.op === "delete" ? "plan-warn" : undefined}>
                        <td>{VERBS[o.op]}</td>
                        <td>{o.userName || o.userId || "—"}</td>
                        <td>{o.subUserName || "—"}</td>
                        <td>{detail(o)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** The deletion circuit breaker's held sets, each approved (deleted, exactly that set) or rejected (kept, unmanaged). */
export function HeldDeletionsSection({ directoryId, accountName, pollMs }: { directoryId: string; accountName(uin: number): string; pollMs: number }) {
  const base = `/directories/${directoryId}`;
  const queries = useQueryClient();
  const held = useQuery({ queryKey: ["held", directoryId], queryFn: () => api<{ items: HeldDeletions[] }>("GET", `${base}/held-deletions`), refetchInterval: pollMs });
  const decide = useMutation({
    mutationFn: ({ set, verb }: { set: HeldDeletions; verb: "approve" | "reject" }) => api("POST", `${base}/provisionings/${set.provisioningId}/held-deletions/${set.holdId}/${verb}`),
    onSettled: () => void queries.invalidateQueries({ queryKey: ["held"] }),
  });
  const waiting = (held.data?.items ?? []).filter((s) => s.decision === null);
  if (waiting.length === 0 && !held.error && !decide.error) return null;
  return (
    <Section title="Held deletions">
      <ErrorNote error={held.error} />
      <ErrorNote error={decide.error} />
      <p className="muted">One change would have deleted more sub-users than the deletion circuit breaker allows at once. Nothing was deleted; the tasks wait for you.</p>
      <ul className="plain">
        {waiting.map((s) => (
          <li key={s.holdId} data-hold={s.holdId}>
            <p>
              <strong>{s.count}</strong> sub-user deletion{s.count === 1 ? "" : "s"} in {accountName(s.targetUin)} held since {time(s.heldAt)}:{" "}
              <span className="muted">{s.subUsers.map((u) => u.subUserName).join(", ")}</span>
            </p>
            <div className="row-form">
              <button type="button" className="danger" disabled={decide.isPending} aria-label={`Approve ${s.count} deletion${s.count === 1 ? "" : "s"} in ${accountName(s.targetUin)}`} onClick={() => decide.mutate({ set: s, verb: "approve" })}>
                Approve: delete them
              </button>
              <button type="button" disabled={decide.isPending} aria-label={`Reject ${s.count} deletion${s.count === 1 ? "" : "s"} in ${accountName(s.targetUin)}`} onClick={() => decide.mutate({ set: s, verb: "reject" })}>
                Reject: keep them, unmanaged
              </button>
            </div>
          </li>
        ))}
      </ul>
    </Section>
  );
}
