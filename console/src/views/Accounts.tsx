/** Member accounts and each one's sub-users: which are managed, by which provisioning, through which user or group. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Page, type SubUser, membersQuery } from "../api";
import { ErrorNote, Section } from "../ui";
import { timelineHref } from "./Timeline";

export function Accounts() {
  const members = useQuery(membersQuery);
  const [open, setOpen] = useState<number | undefined>();
  return (
    <Section title="Member accounts">
      <ErrorNote error={members.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">UIN</th>
              <th scope="col">Unit</th>
              <th scope="col">Sub-users</th>
            </tr>
          </thead>
          <tbody>
            {members.data?.items.map((m) => (
              <tr key={m.uin}>
                <td>
                  {m.name}
                  {m.isManager ? <span className="badge">management</span> : null}
                </td>
                <td>{m.uin}</td>
                <td>{m.nodeName}</td>
                <td>
                  <button type="button" aria-expanded={open === m.uin} onClick={() => setOpen(open === m.uin ? undefined : m.uin)}>
                    {open === m.uin ? "Hide" : "Show"} sub-users of {m.name}
                  </button>{" "}
                  <a href={timelineHref({ accountUin: String(m.uin) })}>Timeline of {m.name}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open !== undefined && <SubUsers uin={open} name={members.data?.items.find((m) => m.uin === open)?.name ?? String(open)} />}
    </Section>
  );
}

function SubUsers({ uin, name }: { uin: number; name: string }) {
  const subUsers = useQuery({ queryKey: ["sub-users", uin], queryFn: () => api<Page<SubUser>>("GET", `/accounts/${uin}/sub-users`), refetchInterval: 2_000 });
  return (
    <section aria-label={`Sub-users of ${name}`} className="nested">
      <h3>Sub-users of {name}</h3>
      <ErrorNote error={subUsers.error} />
      {subUsers.data?.items.length === 0 && <p className="empty">No sub-users.</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">UIN</th>
              <th scope="col">Managed by</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {subUsers.data?.items.map((s) => (
              <tr key={s.uin}>
                <td>{s.name}</td>
                <td>{s.uin}</td>
                <td>
                  {s.managedBy.length === 0 ? (
                    <span className="badge muted-badge">unmanaged</span>
                  ) : (
                    s.managedBy.map((b) => (
                      <div key={b.provisioningId}>
                        {b.provisioningId} through {b.principal.type === "Group" ? "group" : "user"} <strong>{b.principal.name}</strong>
                      </div>
                    ))
                  )}
                </td>
                <td>
                  <a href={timelineHref({ accountUin: String(uin), subUserUin: String(s.uin) })}>Timeline of {s.name}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
