import { type FormEvent, useState } from 'react';
import { CONSOLE_ROLES, type ConsoleRole, type ConsoleUserView } from '@siteport/protocol';
import { api, describeError } from './api.js';
import { useApi } from './use-api.js';

const scopeText = (sites: string[] | null): string => (sites === null ? 'every site' : sites.join(', '));
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
      ? `Edit ${user.user}`
      : kind === 'password'
        ? `New password for ${user.user}`
        : `Delete ${user.user}?`;
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
              Role
              <select value={role} onChange={(e) => setRole(e.target.value as ConsoleRole)}>
                {CONSOLE_ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </label>
            <label>
              Sites (comma-separated; empty for every site)
              <input value={sites} onChange={(e) => setSites(e.target.value)} placeholder="every site" />
            </label>
          </>
        )}
        {kind === 'password' && (
          <label>
            New password
            <input
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          </label>
        )}
        {kind === 'delete' && <p>The account is deleted and its sessions end at once.</p>}
        {kind === 'password' && <p className="muted">The account&apos;s sessions end at once.</p>}
        {error !== null && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="primary">
            {kind === 'delete' ? 'Delete' : 'Save'}
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

/** Administration → Users: console accounts (administrators only; the API refuses everyone else). */
export function UsersView() {
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
      <h1 id="users-title">Users</h1>
      <p className="breadcrumb">Administration › Users</p>
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
      <table className="grid" aria-label="Users">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>Sites</th>
            <th>State</th>
            <th>Created</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {(data?.users ?? []).map((u) => (
            <tr key={u.user}>
              <td>{u.user}</td>
              <td>{u.role}</td>
              <td>{scopeText(u.sites)}</td>
              <td>{u.disabled ? 'disabled' : 'enabled'}</td>
              <td>
                {new Date(u.createdAt).toLocaleString()} by {u.createdBy}
              </td>
              <td className="actions">
                <button type="button" onClick={() => setEditing({ user: u, kind: 'edit' })}>
                  Edit
                </button>
                <button type="button" onClick={() => setDisabled(u, !u.disabled)}>
                  {u.disabled ? 'Enable' : 'Disable'}
                </button>
                <button type="button" onClick={() => setEditing({ user: u, kind: 'password' })}>
                  Reset password
                </button>
                <button type="button" onClick={() => setEditing({ user: u, kind: 'delete' })}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="toolbar" onSubmit={add} aria-label="Add user">
        <label>
          New user
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as ConsoleRole)}>
            {CONSOLE_ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Sites
          <input value={sites} onChange={(e) => setSites(e.target.value)} placeholder="every site" />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button type="submit" className="primary">
          Add user
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
