import { type FormEvent, useId, useState } from 'react';
import { Navigate } from 'react-router';
import { ErrorMessage } from '../components/errors.js';
import { useSession, useSignIn } from '../session.js';

export function SignInPage() {
  const session = useSession();
  const signIn = useSignIn();
  const [apiKey, setApiKey] = useState('');
  const id = useId();
  if (session.data) return <Navigate to="/calls" replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate(apiKey.trim());
  };
  return (
    <main id="main" className="sign-in">
      <h1>Patchbay</h1>
      <form onSubmit={submit} aria-describedby={`${id}-hint`}>
        <label htmlFor={`${id}-key`}>API key</label>
        <input
          id={`${id}-key`}
          type="password"
          autoComplete="off"
          required
          value={apiKey}
          onChange={(event) => setApiKey(event.target.value)}
          placeholder="pbk_…"
        />
        <p id={`${id}-hint`} className="hint">
          The key the server printed on its first start, or one minted under API keys. It is
          exchanged for a session cookie and not kept by this page.
        </p>
        <button type="submit" disabled={signIn.isPending}>
          Sign in
        </button>
        <ErrorMessage error={signIn.error} />
      </form>
    </main>
  );
}
