import { type FormEvent, useState } from 'react';
import { CONSOLE_ROLES, type ConsoleRole, type ConsoleUserView } from '@siteport/protocol';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, describeError } from './api.js';
import { useFormat } from './i18n/index.js';
import { useApi } from './use-api.js';

const scopeText = (sites: string[] | null, t: TFunction): string =>
  sites === null ? t('users.everySite') : sites.join(', ');
/** The sites field: empty means every site, else comma-separated codes (the API checks them). */
const scopeOf = (text: string): string[] | null =>
  text.trim() === '' ? null : text.split(',').map((s) => s.trim().toUpperCase());

type Editing = { user: ConsoleUserView; kind: 'edit' | 'password' | 'delete' } | null;

/** One dialog for the row actions: edit role and sites, set a new password, or confirm a delete. */
function UserDialog({
  editing,
  onDone,
  onCancel,
}: {
  editing: NonNullable<Editing>;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const { user, kind } = editing;
  const [role, setRole] = useState<ConsoleRole>(user.role);
  const [sites, setSites] = useState(user.sites === null ? '' : user.sites.join(','));
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const call =
      kind === 'edit'
        ? api('PATCH', `/console/users/${encodeURIComponent(user.user)}`, { role, sites: scopeOf(sites) })
        : kind === 'password'
          ? api('POST', `/console/users/${encodeURIComponent(user.user)}/password`, { password })
          : api('DELETE', `/console/users/${encodeURIComponent(user.user)}`);
    call.then(onDone, (e: unknown) => setError(describeError(e)));
  };
  const title =
    kind === 'edit'
      ? t('users.editTitle', { user: user.user })
      : kind === 'password'
        ? t('users.passwordTitle', { user: user.user })
        : t('users.deleteTitle', { user: user.user });
  return (
    <div className="backdrop">
      <form
        className="dialog small"
        role="dialog"
        aria-modal="true"
        aria-labelledby="user-dialog-title"
        onSubmit={submit}
      >
        <h2 id="user-dialog-title">{title}</h2>
        {kind === 'edit' && (
          <>
            <label>
              {t('common.role')}
              <select value={role} onChange={(e) => setRole(e.target.value as ConsoleRole)}>
                {CONSOLE_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`roles.${r}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('users.sitesField')}
              <input value={sites} onChange={(e) => setSites(e.target.value)} placeholder={t('users.everySite')} />
            </label>
          </>
        )}
        {kind === 'password' && (
          <label>
            {t('common.newPassword')}
            <input
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          </label>
        )}
        {kind === 'delete' && <p>{t('users.deleteHint')}</p>}
        {kind === 'password' && <p className="muted">{t('users.passwordHint')}</p>}
        {error !== null && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="primary">
            {kind === 'delete' ? t('common.delete') : t('common.save')}
          </button>
          <button type="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}

/** Administration → Users: console accounts (administrators only; the API refuses everyone else). */
export function UsersView() {
  const { t } = useTranslation();
  const format = useFormat();
  const { data, error, reload } = useApi<{ users: ConsoleUserView[] }>('/console/users');
  const [editing, setEditing] = useState<Editing>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState<ConsoleRole>('analyst');
  const [sites, setSites] = useState('');
  const [password, setPassword] = useState('');

  const add = (event: FormEvent): void => {
    event.preventDefault();
    setActionError(null);
    api('POST', '/console/users', { user: name, role, password, sites: scopeOf(sites) }).then(
      () => {
        setName('');
        setPassword('');
        setSites('');
        reload();
      },
      (e: unknown) => setActionError(describeError(e)),
    );
  };
  const setDisabled = (user: ConsoleUserView, disabled: boolean): void => {
    setActionError(null);
    api('PATCH', `/console/users/${encodeURIComponent(user.user)}`, { disabled }).then(reload, (e: unknown) =>
      setActionError(describeError(e)),
    );
  };

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">{t('users.title')}</h1>
      <p className="breadcrumb">{t('users.breadcrumb')}</p>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {actionError !== null && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      <table className="grid" aria-label={t('users.table')}>
        <thead>
          <tr>
            <th>{t('users.user')}</th>
            <th>{t('common.role')}</th>
            <th>{t('common.sites')}</th>
            <th>{t('common.state')}</th>
            <th>{t('users.created')}</th>
            <th>{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {(data?.users ?? []).map((u) => (
            <tr key={u.user}>
              <td>{u.user}</td>
              <td>{t(`roles.${u.role}`)}</td>
              <td>{scopeText(u.sites, t)}</td>
              <td>{u.disabled ? t('users.disabled') : t('users.enabled')}</td>
              <td>{t('users.createdBy', { at: format.dateTime(u.createdAt), by: u.createdBy })}</td>
              <td className="actions">
                <button type="button" onClick={() => setEditing({ user: u, kind: 'edit' })}>
                  {t('users.edit')}
                </button>
                <button type="button" onClick={() => setDisabled(u, !u.disabled)}>
                  {u.disabled ? t('users.enable') : t('users.disable')}
                </button>
                <button type="button" onClick={() => setEditing({ user: u, kind: 'password' })}>
                  {t('users.resetPassword')}
                </button>
                <button type="button" onClick={() => setEditing({ user: u, kind: 'delete' })}>
                  {t('common.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="toolbar" onSubmit={add} aria-label={t('users.addForm')}>
        <label>
          {t('users.newUser')}
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          {t('common.role')}
          <select value={role} onChange={(e) => setRole(e.target.value as ConsoleRole)}>
            {CONSOLE_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('common.sites')}
          <input value={sites} onChange={(e) => setSites(e.target.value)} placeholder={t('users.everySite')} />
        </label>
        <label>
          {t('common.password')}
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button type="submit" className="primary">
          {t('users.add')}
        </button>
      </form>
      {editing !== null && (
        <UserDialog
          editing={editing}
          onCancel={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
    </section>
  );
}
