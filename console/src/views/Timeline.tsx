/**
 * The provisioning timeline: why a sub-user exists, changed or went, as the decisions the reconciler
 * made, newest first. Narrowed by account, sub-user (by name within the account), directory user or
 * provisioning; the filters live in the address (`#/timeline?accountUin=…&subUserName=…`), so the
 * accounts, users and provisionings views link straight to a sub-user's, user's or provisioning's story.
 */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Page, type Provisioning, type TimelineDecision, type User, membersQuery } from "../api";
import { ErrorNote, Field, Section, Select, time } from "../ui";

export interface TimelineFilters {
  accountUin?: string;
  subUserUin?: string;
  subUserName?: string;
  userId?: string;
  provisioningId?: string;
}

const FILTER_KEYS = ["accountUin", "subUserUin", "subUserName", "userId", "provisioningId"] as const;

/** The address of the timeline narrowed by `filters`. */
export function timelineHref(filters: TimelineFilters): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters[k]) q.set(k, filters[k]!);
  const text = q.toString();
  return `#/timeline${text ? `?${text}` : ""}`;
}

export function filtersFromHash(search: string): TimelineFilters {
  const q = new URLSearchParams(search);
  const out: TimelineFilters = {};
  for (const k of FILTER_KEYS) {
    const v = q.get(k);
    if (v) out[k] = v;
  }
  return out;
}

const POLL_MS = 2_000;
const LABELS: Record<TimelineDecision["decision"], string> = {
  created: "Created",
  adopted: "Adopted",
  reused: "Claimed",
  updated: "Updated",
  held: "Deletion held",
  kept: "Let go",
  deleted: "Deleted",
  released: "Released",
  failed: "Failed",
  retried: "Retry asked",
};

export function Timeline({ directoryId, filters }: { directoryId: string; filters: TimelineFilters }) {
  const decisions = useInfiniteQuery({
    queryKey: ["timeline", directoryId, filters],
    queryFn: ({ pageParam }) => api<{ items: TimelineDecision[]; nextToken?: string }>("GET", `/directories/${directoryId}/timeline`, { query: { ...filters, maxResults: 50, nextToken: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextToken,
    refetchInterval: POLL_MS,
  });
  const items = decisions.data?.pages.flatMap((p) => p.items) ?? [];
  // The same query as the filter form's account picker (one request): the description names the account.
  const members = useQuery(membersQuery);
  const names = {
    account: members.data?.items.find((m) => String(m.uin) === filters.accountUin)?.name,
    user: items.find((d) => d.userId === filters.userId)?.userName || undefined,
  };
  return (
    <>
      <TimelineFilterForm directoryId={directoryId} filters={filters} />
      <Section title="Decisions">
        <p className="muted">{describeFilters(filters, names)} Newest first; decisions older than the server's retention period are not kept.</p>
        <ErrorNote error={decisions.error} />
        {decisions.data && items.length === 0 && <p className="empty">No decisions.</p>}
        <ol className="plain timeline" aria-label="Decisions">
          {items.map((d) => (
            <li key={d.decisionId} data-decision={d.decision}>
              <p>
                <span className={`badge decision-${d.decision}`}>{LABELS[d.decision]}</span> <span className="muted">{time(d.decidedAt)}</span>
              </p>
              <p>{d.explanation}</p>
              {d.breaker?.decision === "held" && (
                <p>
                  <a href="#/provisionings">Review the held deletions</a>
                </p>
              )}
              <p className="muted">
                <a href={timelineHref({ userId: d.userId })}>{d.userName ? `All of ${d.userName}` : "This user"}</a> · <a href={timelineHref({ provisioningId: d.provisioningId })}>All of {d.provisioningId}</a> ·{" "}
                <a href={timelineHref({ accountUin: String(d.accountUin) })}>All in account {d.accountUin}</a>
              </p>
            </li>
          ))}
        </ol>
        {decisions.hasNextPage && (
          <div className="pager">
            <button type="button" disabled={decisions.isFetchingNextPage} onClick={() => void decisions.fetchNextPage()}>
              Older decisions
            </button>
          </div>
        )}
      </Section>
    </>
  );
}

/** The filters in words; ids are named where the page knows the name (the account's, the user's from its decisions). */
function describeFilters(f: TimelineFilters, names: { account?: string; user?: string }): string {
  const parts: string[] = [];
  if (f.subUserName) parts.push(`sub-user ${f.subUserName}`);
  if (f.subUserUin) parts.push(`sub-user ${f.subUserUin}`);
  if (f.accountUin) parts.push(`${parts.length ? "in " : ""}account ${names.account ? `${names.account} (${f.accountUin})` : f.accountUin}`);
  if (f.userId) parts.push(`directory user ${names.user ?? f.userId}`);
  if (f.provisioningId) parts.push(`provisioning ${f.provisioningId}`);
  return parts.length ? `Decisions about ${parts.join(", ")}.` : "Every decision of the directory.";
}

/** The filters as a form; applying it changes the address, so the result can be linked to. */
function TimelineFilterForm({ directoryId, filters }: { directoryId: string; filters: TimelineFilters }) {
  const members = useQuery(membersQuery);
  const users = useQuery({ queryKey: ["users", directoryId, "picker"], queryFn: () => api<Page<User>>("GET", `/directories/${directoryId}/users`, { query: { maxResults: 100 } }) });
  const provisionings = useQuery({ queryKey: ["provisionings", directoryId, "picker"], queryFn: () => api<Page<Provisioning>>("GET", `/directories/${directoryId}/provisionings`, { query: { maxResults: 100 } }) });
  const [accountUin, setAccountUin] = useState(filters.accountUin ?? "");
  const [subUserName, setSubUserName] = useState(filters.subUserName ?? "");
  const [userId, setUserId] = useState(filters.userId ?? "");
  const [provisioningId, setProvisioningId] = useState(filters.provisioningId ?? "");
  const any = { value: "", label: "Any" };
  return (
    <Section title="Timeline">
      <form
        className="row-form"
        aria-label="Timeline filters"
        onSubmit={(e) => {
          e.preventDefault();
          window.location.hash = timelineHref({ accountUin, subUserName: accountUin ? subUserName.trim() : "", userId, provisioningId });
        }}
      >
        <Select label="Account" value={accountUin} onChange={setAccountUin} options={[any, ...(members.data?.items ?? []).map((m) => ({ value: String(m.uin), label: `${m.name} (${m.uin})` }))]} />
        <Field label="Sub-user name (in that account)" value={subUserName} onChange={setSubUserName} />
        <Select label="Directory user" value={userId} onChange={setUserId} options={[any, ...(users.data?.items ?? []).map((u) => ({ value: u.userId, label: u.userName }))]} />
        <Select
          label="Provisioning"
          value={provisioningId}
          onChange={setProvisioningId}
          options={[any, ...(provisionings.data?.items ?? []).map((p) => ({ value: p.provisioningId, label: `${p.principal.name} → ${p.target.name}` }))]}
        />
        <button type="submit">Show decisions</button>
      </form>
      <ErrorNote error={members.error ?? users.error ?? provisionings.error} />
    </Section>
  );
}
