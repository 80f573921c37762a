/**
 * The directory's SCIM side: where SCIM clients (an identity provider pushing users and groups) send
 * their requests, the synchronization switch, and the bearer credentials they use: issue (the secret
 * shown once, here, and never again), disable or enable, delete.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type ScimCredential } from "../api";
import { DeleteButton, ErrorNote, Section, time } from "../ui";

type Status = "Enabled" | "Disabled";
const flip = (s: Status): Status => (s === "Enabled" ? "Disabled" : "Enabled");

export function Scim({ directoryId }: { directoryId: string }) {
  const base = `/directories/${directoryId}/scim`;
  const queries = useQueryClient();
  const changed = () => void queries.invalidateQueries({ queryKey: ["scim", base] });
  const sync = useQuery({ queryKey: ["scim", base, "sync"], queryFn: () => api<{ status: Status }>("GET", `${base}/synchronization`) });
  const credentials = useQuery({ queryKey: ["scim", base, "credentials"], queryFn: () => api<{ items: ScimCredential[] }>("GET", `${base}/credentials`) });
  const setSync = useMutation({ mutationFn: (status: Status) => api("PUT", `${base}/synchronization`, { body: { status } }), onSuccess: changed });
  const [issued, setIssued] = useState<{ credentialId: string; secret: string } | undefined>();
  const create = useMutation({
    mutationFn: () => api<{ credentialId: string; secret: string }>("POST", `${base}/credentials`),
    onSuccess: (c) => {
      setIssued(c);
      changed();
    },
  });
  const update = useMutation({ mutationFn: (c: ScimCredential) => api("PATCH", `${base}/credentials/${c.credentialId}`, { body: { status: flip(c.status) } }), onSuccess: changed });
  const remove = useMutation({ mutationFn: (credentialId: string) => api("DELETE", `${base}/credentials/${credentialId}`), onSuccess: changed });
  const status = sync.data?.status;
  return (
    <>
      <Section title="SCIM synchronization">
        <ErrorNote error={sync.error ?? setSync.error} />
        <dl className="facts">
          <dt>SCIM endpoint</dt>
          <dd>
            <code>{`${window.location.origin}/scim/v2`}</code>
          </dd>
          <dt>Synchronization</dt>
          <dd data-testid="scim-sync">{status ?? "…"}</dd>
        </dl>
        {status && (
          <p>
            {status === "Enabled" ? "SCIM clients holding an enabled credential may change this directory's users and groups." : "SCIM requests to this directory are refused."}{" "}
            <button type="button" onClick={() => setSync.mutate(flip(status))} disabled={setSync.isPending}>
              {status === "Enabled" ? "Turn synchronization off" : "Turn synchronization on"}
            </button>
          </p>
        )}
      </Section>
      <Section
        title="SCIM credentials"
        actions={
          <button type="button" onClick={() => create.mutate()} disabled={create.isPending}>
            Issue a SCIM credential
          </button>
        }
      >
        <ErrorNote error={credentials.error ?? create.error ?? update.error ?? remove.error} />
        {issued && (
          <div className="notice" role="status">
            <p>
              New credential <code>{issued.credentialId}</code>. Its bearer token is shown only now: <code>{issued.secret}</code>
            </p>
            <button type="button" onClick={() => setIssued(undefined)}>
              I have saved it
            </button>
          </div>
        )}
        {credentials.data?.items.length === 0 && <p className="empty">No SCIM credentials (a directory has at most two).</p>}
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Credential</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {credentials.data?.items.map((c) => (
                <tr key={c.credentialId}>
                  <td>
                    <code>{c.credentialId}</code>
                  </td>
                  <td>{c.status}</td>
                  <td>{time(c.createdAt)}</td>
                  <td>{time(c.expiresAt)}</td>
                  <td className="actions">
                    <button type="button" onClick={() => update.mutate(c)} aria-label={`${c.status === "Enabled" ? "Disable" : "Enable"} SCIM credential ${c.credentialId}`}>
                      {c.status === "Enabled" ? "Disable" : "Enable"}
                    </button>
                    <DeleteButton label={`Delete SCIM credential ${c.credentialId}`} question={`Delete SCIM credential ${c.credentialId}? Clients using it stop working.`} onConfirm={() => remove.mutate(c.credentialId)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
    </>
  );
}
