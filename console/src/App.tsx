/** The console's frame: signs in (a key or a one-time link), then shows the views under a keyboard-usable navigation. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, type Directory, type Session, setCsrfToken, whenSignedOut } from "./api";
import { ErrorNote } from "./ui";
import { Access } from "./views/Access";
import { Accounts } from "./views/Accounts";
import { Groups } from "./views/Groups";
import { Keys } from "./views/Keys";
import { Overview } from "./views/Overview";
import { Provisionings } from "./views/Provisionings";
import { Scim } from "./views/Scim";
import { SignIn } from "./views/SignIn";
import { Users } from "./views/Users";

const VIEWS = [
  { id: "overview", label: "Overview" },
  { id: "accounts", label: "Member accounts" },
  { id: "users", label: "Users" },
  { id: "groups", label: "Groups" },
  { id: "provisionings", label: "Provisionings" },
  { id: "access", label: "Access" },
  { id: "scim", label: "SCIM" },
  { id: "keys", label: "API keys" },
] as const;
type ViewId = (typeof VIEWS)[number]["id"];

const viewFromHash = (): ViewId => {
  const id = window.location.hash.replace(/^#\/?/, "");
  return (VIEWS.find((v) => v.id === id)?.id ?? "overview") as ViewId;
};

export function App() {
  const queries = useQueryClient();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [linkError, setLinkError] = useState<unknown>(null);
  const [view, setView] = useState<ViewId>(viewFromHash);

  const signedIn = (s: Session | null) => {
    setCsrfToken(s?.csrfToken);
    if (!s) queries.clear();
    setSession(s);
  };

  useEffect(() => {
    whenSignedOut(() => signedIn(null));
    const onHash = () => setView(viewFromHash());
    window.addEventListener("hashchange", onHash);
    // A one-time link carries its token in the fragment (never sent to a server or logged); it is used once and removed.
    const link = /^#link=([A-Za-z0-9_-]+)$/.exec(window.location.hash)?.[1];
    if (link) {
      window.history.replaceState(null, "", "/#/overview");
      api<Session>("POST", "/session", { body: { link } }).then(signedIn, (err: unknown) => {
        setLinkError(err);
        signedIn(null);
      });
    } else {
      api<Session>("GET", "/session").then(signedIn, () => signedIn(null));
    }
    return () => window.removeEventListener("hashchange", onHash);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null) {
    return (
      <>
        <ErrorNote error={linkError} />
        <SignIn onSignedIn={signedIn} />
      </>
    );
  }
  const signOut = async () => {
    await api("DELETE", "/session").catch(() => undefined);
    signedIn(null);
  };
  return (
    <div className="shell">
      <header className="top">
        <span className="brand">OpenCIC</span>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <a key={v.id} href={`#/${v.id}`} aria-current={view === v.id ? "page" : undefined}>
              {v.label}
            </a>
          ))}
        </nav>
        <span className="who">Account {session.accountUin}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        <Current view={view} />
      </main>
    </div>
  );
}

function Current({ view }: { view: ViewId }) {
  const dir = useQuery({ queryKey: ["directories"], queryFn: () => api<{ items: Directory[] }>("GET", "/directories") });
  const directoryId = dir.data?.items[0]?.directoryId;
  if (view === "overview") return <Overview directoryId={directoryId} />;
  if (view === "accounts") return <Accounts />;
  if (view === "keys") return <Keys />;
  if (dir.isPending) return <p className="loading">Loading…</p>;
  if (!directoryId) return <p className="empty">This account has no directory yet: turn on the identity center for its organization (a vendor API's CreateZone or EnableDirectory).</p>;
  if (view === "users") return <Users directoryId={directoryId} />;
  if (view === "groups") return <Groups directoryId={directoryId} />;
  if (view === "access") return <Access directoryId={directoryId} />;
  if (view === "scim") return <Scim directoryId={directoryId} />;
  return <Provisionings directoryId={directoryId} />;
}
