/** At a glance: the organization, its accounts, the directory's counts against quotas, provisionings by state, the queue, recent failures. */
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, type DirectoryStatistics, type Failure, type Organization, type Page, type Provisioning, type QueueStats, membersQuery } from "../api";
import { ErrorNote, Section, time } from "../ui";

export const stateOf = (p: Provisioning): "Failing" | "Complete" | "In progress" =>
  p.progress.failed > 0 ? "Failing" : p.progress.done >= p.progress.total ? "Complete" : "In progress";

export function Overview({ directoryId }: { directoryId: string | undefined }) {
  const org = useQuery({ queryKey: ["organization"], queryFn: () => api<Organization>("GET", "/organization"), retry: false });
  const members = useQuery({ ...membersQuery, enabled: org.isSuccess });
  const stats = useQuery({ queryKey: ["directory", directoryId], queryFn: () => api<DirectoryStatistics>("GET", `/directories/${directoryId}`), enabled: !!directoryId });
  const provisionings = useQuery({
    queryKey: ["provisionings", directoryId, "all"],
    queryFn: () => api<Page<Provisioning>>("GET", `/directories/${directoryId}/provisionings`, { query: { maxResults: 100 } }),
    enabled: !!directoryId,
    refetchInterval: 2_000,
  });
  const engine = useQuery({ queryKey: ["engine"], queryFn: () => api<QueueStats>("GET", "/engine"), refetchInterval: 2_000 });
  const failures = useQuery({
    queryKey: ["failures", directoryId, "recent"],
    queryFn: () => api<Page<Failure>>("GET", `/directories/${directoryId}/failures`, { query: { maxResults: 5 } }),
    enabled: !!directoryId,
    refetchInterval: 2_000,
  });
  const byState = new Map<string, number>();
  for (const p of provisionings.data?.items ?? []) byState.set(stateOf(p), (byState.get(stateOf(p)) ?? 0) + 1);

  return (
    <div className="grid">
      <Section title="Organization">
        {org.error instanceof ApiError && org.error.status === 404 ? (
          <p className="empty">This account has no organization.</p>
        ) : (
          <ErrorNote error={org.error} />
        )}
        {org.data && (
          <dl className="facts">
            <dt>Organization</dt>
            <dd>{org.data.orgId}</dd>
            <dt>Management account</dt>
            <dd>
              {org.data.managerName} ({org.data.managerUin})
            </dd>
            <dt>Member accounts</dt>
            <dd data-testid="member-count">{members.data?.totalCount ?? "…"}</dd>
          </dl>
        )}
      </Section>
      <Section title="Directory">
        {!directoryId && <p className="empty">No directory yet.</p>}
        <ErrorNote error={stats.error} />
        {stats.data && (
          <dl className="facts">
            <dt>Name</dt>
            <dd>{stats.data.directory.name}</dd>
            <dt>Users</dt>
            <dd data-testid="user-count">
              {stats.data.userCount} of {stats.data.quotas.users}
            </dd>
            <dt>Groups</dt>
            <dd>
              {stats.data.groupCount} of {stats.data.quotas.groups}
            </dd>
            <dt>Provisioned users</dt>
            <dd>{stats.data.provisionedUserCount}</dd>
          </dl>
        )}
      </Section>
      <Section title="Provisionings">
        <dl className="facts">
          {["In progress", "Complete", "Failing"].map((s) => (
            <div key={s} className="fact">
              <dt>{s}</dt>
              <dd>{byState.get(s) ?? 0}</dd>
            </div>
          ))}
        </dl>
      </Section>
      <Section title="Reconcile queue">
        <ErrorNote error={engine.error} />
        {engine.data && (
          <dl className="facts">
            <dt>Waiting</dt>
            <dd>{engine.data.depth}</dd>
            <dt>Due now</dt>
            <dd>{engine.data.due}</dd>
            <dt>Running</dt>
            <dd>{engine.data.leased}</dd>
            <dt>Gave up (parked)</dt>
            <dd>{engine.data.parked}</dd>
          </dl>
        )}
      </Section>
      <Section title="Recent failures">
        {failures.data?.items.length === 0 && <p className="empty">None.</p>}
        <ul className="plain">
          {failures.data?.items.map((f) => (
            <li key={f.failureId}>
              <strong>{f.userName || f.provisioning.principal.name}</strong> into {f.provisioning.target.name}: {f.failureReason} <span className="muted">({time(f.lastAttemptAt)})</span>
            </li>
          ))}
        </ul>
      </Section>
    </div>
  );
}
