/** Directory users: search, paging, create, edit, enable/disable, delete (the API's refusals shown as they come), and the groups each is in. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Group, type Page, type User } from "../api";
import { DeleteButton, ErrorNote, Field, Section } from "../ui";
import { timelineHref } from "./Timeline";

const PAGE_SIZE = 20;

export function Users({ directoryId }: { directoryId: string }) {
  const base = `/directories/${directoryId}/users`;
  const queries = useQueryClient();
  const [search, setSearch] = useState("");
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const token = tokens[tokens.length - 1];
  const users = useQuery({
    queryKey: ["users", directoryId, search, token],
    queryFn: () => api<Page<User>>("GET", base, { query: { search: search.trim() || undefined, nextToken: token, maxResults: PAGE_SIZE } }),
  });
  const changed = () => void queries.invalidateQueries({ queryKey: ["users", directoryId] });

  const [userName, setUserName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState<{ userName: string; password: string } | undefined>();
  const create = useMutation({
    mutationFn: () => api<{ user: User; password: string }>("POST", base, { body: { userName: userName.trim(), displayName: displayName.trim() || undefined, email: email.trim() || undefined } }),
    onSuccess: (r) => {
      setPassword({ userName: r.user.userName, password: r.password });
      setUserName("");
      setDisplayName("");
      setEmail("");
      changed();
    },
  });
  const update = useMutation({ mutationFn: (v: { userId: string; body: object }) => api("PATCH", `${base}/${v.userId}`, { body: v.body }), onSuccess: changed });
  const remove = useMutation({ mutationFn: (userId: string) => api("DELETE", `${base}/${userId}`), onSuccess: changed });
  const [editing, setEditing] = useState<User | undefined>();
  const [groupsOf, setGroupsOf] = useState<User | undefined>();

  return (
    <>
      <Section title="Create a user">
        <form
          className="row-form"
          aria-label="Create a user"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Field label="User name" value={userName} onChange={setUserName} required />
          <Field label="Display name" value={displayName} onChange={setDisplayName} />
          <Field label="E-mail" type="email" value={email} onChange={setEmail} />
          <button type="submit" disabled={create.isPending}>
            Create user
          </button>
        </form>
        <ErrorNote error={create.error} />
        {password && (
          <p className="notice" role="status">
            Created {password.userName}. Initial password, shown this once: <code>{password.password}</code>
          </p>
        )}
      </Section>
      <Section title="Users">
        <form className="row-form" role="search" onSubmit={(e) => e.preventDefault()}>
          <Field
            label="Search users"
            value={search}
            onChange={(v) => {
              setSearch(v);
              setTokens([undefined]);
            }}
          />
        </form>
        <ErrorNote error={users.error ?? update.error ?? remove.error} />
        <p className="muted">{users.data ? `${users.data.totalCount} users` : "Loading…"}</p>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">User name</th>
                <th scope="col">Display name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.data?.items.map((u) => (
                <tr key={u.userId}>
                  <td>{u.userName}</td>
                  <td>{u.displayName}</td>
                  <td>{u.email}</td>
                  <td>{u.status}</td>
                  <td className="actions">
                    <button type="button" onClick={() => setEditing(u)} aria-label={`Edit ${u.userName}`}>
                      Edit
                    </button>
                    <button type="button" onClick={() => update.mutate({ userId: u.userId, body: { status: u.status === "Enabled" ? "Disabled" : "Enabled" } })} aria-label={`${u.status === "Enabled" ? "Disable" : "Enable"} ${u.userName}`}>
                      {u.status === "Enabled" ? "Disable" : "Enable"}
                    </button>
                    <button type="button" onClick={() => setGroupsOf(u)} aria-label={`Groups of ${u.userName}`}>
                      Groups
                    </button>
                    <a href={timelineHref({ userId: u.userId })} aria-label={`Timeline of ${u.userName}`}>
                      Timeline
                    </a>
                    <DeleteButton label={`Delete ${u.userName}`} question={`Delete ${u.userName}?`} onConfirm={() => remove.mutate(u.userId)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="pager">
          <button type="button" disabled={tokens.length <= 1} onClick={() => setTokens(tokens.slice(0, -1))}>
            Previous page
          </button>
          <button type="button" disabled={!users.data?.nextToken} onClick={() => setTokens([...tokens, users.data?.nextToken])}>
            Next page
          </button>
        </div>
      </Section>
      {editing && <EditUser key={editing.userId} base={base} user={editing} done={() => (setEditing(undefined), changed())} />}
      {groupsOf && <UserGroups key={groupsOf.userId} base={base} user={groupsOf} />}
    </>
  );
}

function EditUser({ base, user, done }: { base: string; user: User; done(): void }) {
  const [displayName, setDisplayName] = useState(user.displayName);
  const [email, setEmail] = useState(user.email);
  const [description, setDescription] = useState(user.description);
  const save = useMutation({ mutationFn: () => api("PATCH", `${base}/${user.userId}`, { body: { displayName, email, description } }), onSuccess: done });
  return (
    <Section title={`Edit ${user.userName}`}>
      <form
        className="row-form"
        aria-label={`Edit ${user.userName}`}
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Field label="Display name" value={displayName} onChange={setDisplayName} />
        <Field label="E-mail" type="email" value={email} onChange={setEmail} />
        <Field label="Description" value={description} onChange={setDescription} />
        <button type="submit">Save</button>
        <button type="button" onClick={done}>
          Cancel
        </button>
      </form>
      <ErrorNote error={save.error} />
    </Section>
  );
}

function UserGroups({ base, user }: { base: string; user: User }) {
  const groups = useQuery({ queryKey: ["user-groups", user.userId], queryFn: () => api<Page<Group>>("GET", `${base}/${user.userId}/groups`, { query: { maxResults: 100 } }) });
  return (
    <Section title={`Groups of ${user.userName}`}>
      <ErrorNote error={groups.error} />
      {groups.data?.items.length === 0 && <p className="empty">In no group.</p>}
      <ul className="plain">
        {groups.data?.items.map((g) => (
          <li key={g.groupId}>{g.groupName}</li>
        ))}
      </ul>
    </Section>
  );
}
