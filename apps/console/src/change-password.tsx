import { type FormEvent, useState } from 'react';
import { PASSWORD_LENGTH } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { api, describeError } from './api.js';

/** Change own password: needs the current one; the server signs the user's other sessions out. */
export function ChangePassword({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (next !== again) {
      setError(t('changePassword.differ'));
      return;
    }
    if (next.length < PASSWORD_LENGTH.min) {
      setError(t('changePassword.tooShort', { min: PASSWORD_LENGTH.min }));
      return;
    }
    setBusy(true);
    setError(null);
    api('PUT', '/session/password', { currentPassword: current, newPassword: next }).then(
      () => {
        setBusy(false);
        setDone(true);
      },
      (e: unknown) => {
        setBusy(false);
        setError(describeError(e));
      },
    );
  };

  return (
    <div className="backdrop">
      <form
        className="dialog small"
        role="dialog"
        aria-modal="true"
        aria-labelledby="change-password-title"
        onSubmit={submit}
      >
        <h2 id="change-password-title">{t('changePassword.title')}</h2>
        {done ? (
          <p className="ok-text" role="status">
            {t('changePassword.done')}
          </p>
        ) : (
          <>
            <label>
              {t('changePassword.current')}
              <input
                type="password"
                autoComplete="current-password"
                value={current}
                onChange={(e) => setCurrent(e.target.value)}
                required
              />
            </label>
            <label>
              {t('common.newPassword')}
              <input
                type="password"
                autoComplete="new-password"
                value={next}
                onChange={(e) => setNext(e.target.value)}
                required
              />
            </label>
            <label>
              {t('changePassword.again')}
              <input
                type="password"
                autoComplete="new-password"
                value={again}
                onChange={(e) => setAgain(e.target.value)}
                required
              />
            </label>
          </>
        )}
        {error !== null && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          {!done && (
            <button type="submit" className="primary" disabled={busy}>
              {t('changePassword.submit')}
            </button>
          )}
          <button type="button" onClick={onClose}>
            {done ? t('common.close') : t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
