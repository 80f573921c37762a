/**
 * Access by roles, read-only: permission configurations with their policies, who is assigned which
 * on which account, each configuration's deployment into an account with its state and failure
 * reason, and the recent access tasks. Changes are made through the vendor APIs (or Terraform);
 * deployments and tasks are polled so their states move without a reload.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type AccessConfiguration, type AccessTask, api, type Assignment, type Deployment, type Page } from "../api";
import { ErrorNote, Section, time } from "../ui";

const POLL_MS = 1_000;
const account = (x: { targetName: string; targetUin: number }) => (
  <>
    {x.targetName} <span className="muted">({x.targetUin})</span>
  </>
);

export function Access({ directoryId }: { directoryId: string }) {
  const base = `/directories/${directoryId}`;
  return (
    <>
      <Configurations base={base} />
      <Assignments base={base} />
      <Deployments base={base} />
      <Tasks base={base} />
    </>
  );
}

function Configurations({ base }: { base: string }) {
  const list = useQuery({ queryKey: ["access-configurations", base], queryFn: () => api<Page<AccessConfiguration>>("GET", `${base}/access-configurations`, { query: { maxResults: 100 } }), refetchInterval: 2_000 });
  const [open, setOpen] = useState<AccessConfiguration | undefined>();
  return (
    <Section title="Permission configurations">
      <ErrorNote error={list.error} />
      {list.data?.items.length === 0 && <p className="empty">No permission configurations yet.</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Session</th>
              <th scope="col">Deployments</th>
              <th scope="col">Policies</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((c) => (
              <tr key={c.configurationId}>
                <td>
                  <strong>{c.name}</strong> <span className="muted">({c.configurationId})</span>
                </td>
                <td>{c.description}</td>
                <td>{c.sessionDuration / 3600} h</td>
                <td>{c.redeployRequired ? <span className="bad">redeploy required</span> : "up to date"}</td>
                <td>
                  <button type="button" aria-expanded={open?.configurationId === c.configurationId} onClick={() => setOpen(open?.configurationId === c.configurationId ? undefined : c)}>
                    {open?.configurationId === c.configurationId ? "Hide" : "Show"} policies of {c.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open && <Policies key={open.configurationId} base={base} c={open} />}
    </Section>
  );
}

function Policies({ base, c }: { base: string; c: AccessConfiguration }) {
  const detail = useQuery({ queryKey: ["access-configuration", base, c.configurationId], queryFn: () => api<AccessConfiguration>("GET", `${base}/access-configurations/${c.configurationId}`), refetchInterval: 2_000 });
  const policies = detail.data?.policies ?? [];
  return (
    <section aria-label={`Policies of ${c.name}`} className="nested">
      <h3>Policies of {c.name}</h3>
      <ErrorNote error={detail.error} />
      {detail.isSuccess && policies.length === 0 && <p className="empty">No policies.</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Policy</th>
              <th scope="col">Type</th>
              <th scope="col">Document</th>
              <th scope="col">Added</th>
            </tr>
          </thead>
          <tbody>
            {policies.map((p) => (
              <tr key={`${p.type}:${p.name}`}>
                <td>{p.name}</td>
                <td>{p.type}</td>
                <td>{p.document ? <code className="document">{p.document}</code> : <span className="muted">system policy</span>}</td>
                <td>{time(p.addedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Assignments({ base }: { base: string }) {
  const list = useQuery({ queryKey: ["assignments", base], queryFn: () => api<Page<Assignment>>("GET", `${base}/assignments`, { query: { maxResults: 100 } }), refetchInterval: 2_000 });
  return (
    <Section title="Assignments">
      <ErrorNote error={list.error} />
      {list.data?.items.length === 0 && <p className="empty">No assignments yet.</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Principal</th>
              <th scope="col">Configuration</th>
              <th scope="col">Account</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((a) => (
              <tr key={`${a.configurationId}:${a.targetUin}:${a.principalType}:${a.principalId}`}>
                <td>
                  {a.principalType} <strong>{a.principalName}</strong>
                </td>
                <td>{a.configurationName}</td>
                <td>{account(a)}</td>
                <td>{time(a.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function Deployments({ base }: { base: string }) {
  const list = useQuery({ queryKey: ["deployments", base], queryFn: () => api<Page<Deployment>>("GET", `${base}/deployments`, { query: { maxResults: 100 } }), refetchInterval: POLL_MS });
  return (
    <Section title="Deployments">
      <ErrorNote error={list.error} />
      {list.data?.items.length === 0 && <p className="empty">No configuration is deployed into an account yet.</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Configuration</th>
              <th scope="col">Account</th>
              <th scope="col">State</th>
              <th scope="col">Policies</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((d) => (
              <tr key={`${d.configurationId}:${d.targetUin}`}>
                <td>{d.configurationName}</td>
                <td>{account(d)}</td>
                <td>
                  <span className={d.state.endsWith("Failed") ? "bad" : undefined}>{d.state}</span>
                  {d.failureReason ? <span className="bad"> — {d.failureReason}</span> : null}
                </td>
                <td>{d.policies.map((p) => p.name).join(", ")}</td>
                <td>{time(d.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function Tasks({ base }: { base: string }) {
  const list = useQuery({ queryKey: ["access-tasks", base], queryFn: () => api<Page<AccessTask>>("GET", `${base}/access-tasks`, { query: { maxResults: 20 } }), refetchInterval: POLL_MS });
  return (
    <Section title="Recent access tasks">
      <ErrorNote error={list.error} />
      {list.data?.items.length === 0 && <p className="empty">No access tasks yet.</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Status</th>
              <th scope="col">Configuration</th>
              <th scope="col">Account</th>
              <th scope="col">Principal</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((t) => (
              <tr key={t.taskId}>
                <td>{t.type}</td>
                <td>
                  <span className={t.status === "Failed" ? "bad" : undefined}>{t.status}</span>
                  {t.failureReason ? <span className="bad"> — {t.failureReason}</span> : null}
                </td>
                <td>{t.configurationName}</td>
                <td>{account(t)}</td>
                <td>{t.principalName ? `${t.principalType} ${t.principalName}` : ""}</td>
                <td>{time(t.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}
