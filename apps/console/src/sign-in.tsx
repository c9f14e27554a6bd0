import { type FormEvent, useState } from 'react';
import type { SessionView } from '@siteport/protocol';
import { api, describeError } from './api.js';

/** The sign-in form: a local console account. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: SessionView) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    api<SessionView>('POST', '/session', { user, password }).then(onSignedIn, (e: unknown) => {
      setError(describeError(e));
      setBusy(false);
    });
  };

  return (
    <form className="sign-in" onSubmit={submit} aria-label="Sign in">
      <h1>siteport console</h1>
      <p className="hint">The first administrator is <code>admin</code>; its password is in <code>&lt;data dir&gt;/console-initial-password</code>.</p>
      <label>
        User name
        <input name="user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </label>
      {error !== null && <p className="error" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>Sign in</button>
    </form>
  );
}
