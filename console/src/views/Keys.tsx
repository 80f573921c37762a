/** The account's API keys: issue (the secret shown once, here, and never again), disable or enable, delete. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Key, type Page } from "../api";
import { DeleteButton, ErrorNote, Section, time } from "../ui";

export function Keys() {
  const queries = useQueryClient();
  const keys = useQuery({ queryKey: ["keys"], queryFn: () => api<Page<Key>>("GET", "/keys") });
  const changed = () => void queries.invalidateQueries({ queryKey: ["keys"] });
  const [issued, setIssued] = useState<{ secretId: string; secretKey: string } | undefined>();
  const create = useMutation({
    mutationFn: () => api<{ secretId: string; secretKey: string }>("POST", "/keys"),
    onSuccess: (k) => {
      setIssued(k);
      changed();
    },
  });
  const update = useMutation({ mutationFn: (k: Key) => api("PATCH", `/keys/${k.secretId}`, { body: { status: k.status === "Enabled" ? "Disabled" : "Enabled" } }), onSuccess: changed });
  const remove = useMutation({ mutationFn: (secretId: string) => api("DELETE", `/keys/${secretId}`), onSuccess: changed });
  return (
    <Section
      title="API keys"
      actions={
        <button type="button" onClick={() => create.mutate()} disabled={create.isPending}>
          Issue a key
        </button>
      }
    >
      <ErrorNote error={keys.error ?? create.error ?? update.error ?? remove.error} />
      {issued && (
        <div className="notice" role="status">
          <p>
            New key <code>{issued.secretId}</code>. Its SecretKey is shown only now: <code>{issued.secretKey}</code>
          </p>
          <button type="button" onClick={() => setIssued(undefined)}>
            I have saved it
          </button>
        </div>
      )}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">SecretId</th>
              <th scope="col">For</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {keys.data?.items.map((k) => (
              <tr key={k.secretId}>
                <td>
                  <code>{k.secretId}</code>
                </td>
                <td>{k.subjectUin === k.accountUin ? "the account" : `sub-user ${k.subjectUin}`}</td>
                <td>{k.status}</td>
                <td>{time(k.createdAt)}</td>
                <td className="actions">
                  <button type="button" onClick={() => update.mutate(k)} aria-label={`${k.status === "Enabled" ? "Disable" : "Enable"} key ${k.secretId}`}>
                    {k.status === "Enabled" ? "Disable" : "Enable"}
                  </button>
                  <DeleteButton label={`Delete key ${k.secretId}`} question={`Delete key ${k.secretId}?`} onConfirm={() => remove.mutate(k.secretId)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}
