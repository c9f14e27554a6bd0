import { type FormEvent, useState } from 'react';
import type { SessionView } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { api, describeError } from './api.js';
import { LanguageSwitch, RichText } from './i18n/index.js';

/** The sign-in form: a local console account. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: SessionView) => void }) {
  const { t } = useTranslation();
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
    <form className="sign-in" onSubmit={submit} aria-label={t('signIn.form')}>
      <div className="sign-in-language">
        <LanguageSwitch />
      </div>
      <h1>{t('common.brand')}</h1>
      <p className="hint">
        <RichText
          text={t('signIn.hint')}
          parts={{ admin: <code>admin</code>, file: <code>{t('signIn.passwordFile')}</code> }}
        />
      </p>
      <label>
        {t('signIn.user')}
        <input name="user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} required />
      </label>
      <label>
        {t('common.password')}
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {t('signIn.submit')}
      </button>
    </form>
  );
}
