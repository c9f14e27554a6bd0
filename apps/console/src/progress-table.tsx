import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, describeError } from './api.js';

/** One column of a {@link ProgressTable}: its header and what a row shows in it. */
export interface ProgressColumn<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
}

/**
 * A site's tracked operations (port change rollouts, agent upgrades), newest first: a heading, a
 * line when there are none, or a table whose rows open one; the open one is marked.
 */
export function ProgressTable<Row extends { id: string }>(props: {
  heading: string;
  none: string;
  label: string;
  rows: readonly Row[];
  current: string | null;
  columns: readonly ProgressColumn<Row>[];
  onOpen: (id: string) => void;
}) {
  const { heading, none, label, rows, current, columns, onOpen } = props;
  return (
    <>
      <h2>{heading}</h2>
      {rows.length === 0 ? (
        <p className="muted">{none}</p>
      ) : (
        <table className="grid" aria-label={label}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.header}>{c.header}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} className={row.id === current ? 'selected' : undefined} onClick={() => onOpen(row.id)}>
                {columns.map((c) => (
                  <td key={c.header}>{c.cell(row)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** What a detail panel shows until its operation is loaded: loading, or why it could not be. */
export function DetailPending({ error }: { error: string | null }) {
  const { t } = useTranslation();
  return error === null ? (
    <p className="loading">{t('common.loading')}</p>
  ) : (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

/**
 * The actions of a detail panel: `run` POSTs to an operation's action (after a confirmation when it
 * has a question), keeps the buttons disabled meanwhile, and reloads the panel or keeps the error.
 */
export function useOperationAction(reload: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = (path: string, body?: unknown, question?: string): void => {
    if (question !== undefined && !window.confirm(question)) return;
    setBusy(true);
    setError(null);
    api('POST', path, body).then(
      () => {
        setBusy(false);
        reload();
      },
      (e: unknown) => {
        setBusy(false);
        setError(describeError(e));
      },
    );
  };
  return { error, busy, run };
}

/** The error of the last action, if any. */
export function ActionError({ error }: { error: string | null }) {
  return error === null ? null : (
    <p className="error" role="alert">
      {error}
    </p>
  );
}
