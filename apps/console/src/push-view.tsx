import { useState } from 'react';
import type { PushHostList, PushHostView } from '@siteport/protocol';
import { api, describeError } from './api.js';
import { useSession } from './session.js';
import { useApi } from './use-api.js';

/**
 * Assets → Client push: the push inventory of this server's site. A candidate (a host name a
 * client reported, or a scan found) is connected to only after it is approved here; a host that
 * presented an unpinned key gets a password only after its fingerprint is confirmed here.
 */
export function PushView() {
  const health = useApi<{ siteCode: string }>('/health');
  const siteCode = health.data?.siteCode;
  const { data, error, reload } = useApi<PushHostList>(
    siteCode === undefined ? null : `/sites/${siteCode}/push/hosts`,
    3000,
  );
  return (
    <section aria-labelledby="push-title">
      <h1 id="push-title">Client push</h1>
      <p className="breadcrumb">Assets › Client push</p>
      <p className="muted">
        A candidate came from a client&apos;s own report or a scan: check the name before approving it. Confirm a host
        key only after comparing it with <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> on the host.
      </p>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="grid" aria-label="Push hosts">
        <thead>
          <tr>
            <th>Host</th>
            <th>Source</th>
            <th>Status</th>
            <th>Host key</th>
            <th>Reason</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {(data?.hosts ?? []).map((h) => (
            <PushRow key={h.id} host={h} siteCode={siteCode ?? ''} onChange={reload} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function PushRow({ host, siteCode, onChange }: { host: PushHostView; siteCode: string; onChange: () => void }) {
  const { canChange } = useSession();
  const [result, setResult] = useState('');
  const approve = (hostKey?: string): void => {
    setResult('approving…');
    api<PushHostView>(
      'POST',
      `/sites/${siteCode}/push/hosts/${host.id}/approve`,
      hostKey === undefined ? {} : { hostKey },
    ).then(
      (h) => {
        setResult(`approved: ${h.status}`);
        onChange();
      },
      (e: unknown) => setResult(describeError(e)),
    );
  };
  const unconfirmed = host.hostKey === null ? host.presentedHostKey : null;
  return (
    <tr data-push-host={host.id}>
      <td>
        {host.host}:{host.port}
      </td>
      <td>{host.source}</td>
      <td>{host.approval === 'candidate' ? 'candidate' : host.status}</td>
      <td>{host.hostKey ?? (unconfirmed === null ? '—' : `presented ${unconfirmed} (not confirmed)`)}</td>
      <td>{host.reason ?? ''}</td>
      <td>
        {canChange && host.approval === 'candidate' && (
          <button type="button" onClick={() => approve()}>
            Approve
          </button>
        )}{' '}
        {canChange && unconfirmed !== null && (
          <button type="button" onClick={() => approve(unconfirmed)}>
            Confirm key and push
          </button>
        )}{' '}
        <span data-testid="push-result">{result}</span>
      </td>
    </tr>
  );
}
