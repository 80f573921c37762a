/** Sign-in with an account's API key. The key goes to the server once; the page keeps neither part of it. */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Session } from "../api";
import { ErrorNote, Field } from "../ui";

export function SignIn({ onSignedIn }: { onSignedIn(s: Session): void }) {
  const [secretId, setSecretId] = useState("");
  const [secretKey, setSecretKey] = useState("");
  const signIn = useMutation({
    mutationFn: () => api<Session>("POST", "/session", { body: { secretId: secretId.trim(), secretKey: secretKey.trim() } }),
    onSuccess: (s) => {
      setSecretKey("");
      onSignedIn(s);
    },
  });
  return (
    <main className="signin">
      <h1>OpenCIC console</h1>
      <form
        className="card"
        aria-label="Sign in"
        onSubmit={(e) => {
          e.preventDefault();
          signIn.mutate();
        }}
      >
        <p>Sign in with an API key of the account, or open the one-time link `opencic console-link` prints.</p>
        <Field label="SecretId" value={secretId} onChange={setSecretId} required autoComplete="username" />
        <Field label="SecretKey" type="password" value={secretKey} onChange={setSecretKey} required autoComplete="current-password" />
        <ErrorNote error={signIn.error} />
        <button type="submit" disabled={signIn.isPending}>
          Sign in
        </button>
      </form>
    </main>
  );
}
