/** Directory groups: search, create, delete, and their members (add, remove). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Group, type Page, type User } from "../api";
import { DeleteButton, ErrorNote, Field, Section, Select } from "../ui";

export function Groups({ directoryId }: { directoryId: string }) {
  const base = `/directories/${directoryId}/groups`;
  const queries = useQueryClient();
  const [search, setSearch] = useState("");
  const groups = useQuery({ queryKey: ["groups", directoryId, search], queryFn: () => api<Page<Group>>("GET", base, { query: { search: search.trim() || undefined, maxResults: 100 } }) });
  const changed = () => void queries.invalidateQueries({ queryKey: ["groups", directoryId] });
  const [groupName, setGroupName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: () => api("POST", base, { body: { groupName: groupName.trim(), description: description.trim() || undefined } }),
    onSuccess: () => {
      setGroupName("");
      setDescription("");
      changed();
    },
  });
  const remove = useMutation({ mutationFn: (groupId: string) => api("DELETE", `${base}/${groupId}`), onSuccess: changed });
  const [open, setOpen] = useState<Group | undefined>();
  return (
    <>
      <Section title="Create a group">
        <form
          className="row-form"
          aria-label="Create a group"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Field label="Group name" value={groupName} onChange={setGroupName} required />
          <Field label="Description" value={description} onChange={setDescription} />
          <button type="submit" disabled={create.isPending}>
            Create group
          </button>
        </form>
        <ErrorNote error={create.error} />
      </Section>
      <Section title="Groups">
        <form className="row-form" role="search" onSubmit={(e) => e.preventDefault()}>
          <Field label="Search groups" value={search} onChange={setSearch} />
        </form>
        <ErrorNote error={groups.error ?? remove.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Description</th>
                <th scope="col">Members</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {groups.data?.items.map((g) => (
                <tr key={g.groupId}>
                  <td>{g.groupName}</td>
                  <td>{g.description}</td>
                  <td>{g.memberCount}</td>
                  <td className="actions">
                    <button type="button" onClick={() => setOpen(g)} aria-label={`Members of ${g.groupName}`}>
                      Members
                    </button>
                    <DeleteButton label={`Delete ${g.groupName}`} question={`Delete ${g.groupName}?`} onConfirm={() => remove.mutate(g.groupId)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      {open && <Members key={open.groupId} directoryId={directoryId} group={open} changed={changed} />}
    </>
  );
}

function Members({ directoryId, group, changed }: { directoryId: string; group: Group; changed(): void }) {
  const base = `/directories/${directoryId}/groups/${group.groupId}/members`;
  const queries = useQueryClient();
  const members = useQuery({ queryKey: ["members-of", group.groupId], queryFn: () => api<Page<User>>("GET", base, { query: { maxResults: 100 } }) });
  const users = useQuery({ queryKey: ["users", directoryId, "picker"], queryFn: () => api<Page<User>>("GET", `/directories/${directoryId}/users`, { query: { maxResults: 100 } }) });
  const [userId, setUserId] = useState("");
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: ["members-of", group.groupId] });
    changed();
  };
  const add = useMutation({ mutationFn: (id: string) => api("PUT", `${base}/${id}`), onSuccess: refresh });
  const remove = useMutation({ mutationFn: (id: string) => api("DELETE", `${base}/${id}`), onSuccess: refresh });
  const inGroup = new Set(members.data?.items.map((m) => m.userId));
  const candidates = (users.data?.items ?? []).filter((u) => !inGroup.has(u.userId));
  const chosen = userId || candidates[0]?.userId || "";
  return (
    <Section title={`Members of ${group.groupName}`}>
      <form
        className="row-form"
        aria-label={`Add a member to ${group.groupName}`}
        onSubmit={(e) => {
          e.preventDefault();
          if (chosen) add.mutate(chosen);
        }}
      >
        <Select label="User to add" value={chosen} onChange={setUserId} options={candidates.map((u) => ({ value: u.userId, label: u.userName }))} />
        <button type="submit" disabled={!chosen}>
          Add member
        </button>
      </form>
      <ErrorNote error={members.error ?? add.error ?? remove.error} />
      <ul className="plain">
        {members.data?.items.map((m) => (
          <li key={m.userId}>
            {m.userName}{" "}
            <button type="button" onClick={() => remove.mutate(m.userId)} aria-label={`Remove ${m.userName} from ${group.groupName}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
    </Section>
  );
}
