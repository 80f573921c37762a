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
import { filtersFromHash, Timeline, type TimelineFilters } from "./views/Timeline";
import { SignIn } from "./views/SignIn";
import { Users } from "./views/Users";

const VIEWS = [
  { id: "overview", label: "Overview" },
  { id: "accounts", label: "Member accounts" },
  { id: "users", label: "Users" },
  { id: "groups", label: "Groups" },
  { id: "provisionings", label: "Provisionings" },
  { id: "timeline", label: "Timeline" },
  { id: "access", label: "Access" },
  { id: "scim", label: "SCIM" },
  { id: "keys", label: "API keys" },
] as const;
type ViewId = (typeof VIEWS)[number]["id"];

/** `#/<view>`, optionally with the view's own query (`#/timeline?accountUin=…`). */
const fromHash = (): { view: ViewId; search: string } => {
  const [id = "", search = ""] = window.location.hash.replace(/^#\/?/, "").split("?");
  return { view: (VIEWS.find((v) => v.id === id)?.id ?? "overview") as ViewId, search };
};

export function App() {
  const queries = useQueryClient();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [linkError, setLinkError] = useState<unknown>(null);
  const [{ view, search }, setLocation] = useState(fromHash);

  const signedIn = (s: Session | null) => {
    setCsrfToken(s?.csrfToken);
    if (!s) queries.clear();
    setSession(s);
  };

  useEffect(() => {
    whenSignedOut(() => signedIn(null));
    const onHash = () => setLocation(fromHash());
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
        <Current view={view} search={search} />
      </main>
    </div>
  );
}

function Current({ view, search }: { view: ViewId; search: string }) {
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
  if (view === "timeline") return <TimelineView directoryId={directoryId} search={search} />;
  return <Provisionings directoryId={directoryId} />;
}

/** A new filter form per address, so a link followed from another view shows its filters. */
function TimelineView({ directoryId, search }: { directoryId: string; search: string }) {
  const filters: TimelineFilters = filtersFromHash(search);
  return <Timeline key={search} directoryId={directoryId} filters={filters} />;
}
