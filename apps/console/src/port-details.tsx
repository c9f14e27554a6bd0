import { type FormEvent, useState } from 'react';
import type { PortChange, PortItem, PortSettings, SiteportError } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { errorMessage } from './i18n/index.js';
import { PORT_ROWS, portOf, validateItem } from './port-items.js';

/** The Port Details dialog: port number and description, OK/Cancel, validated inline with the API's rules. */
export function PortDetails(props: {
  item: PortItem;
  saved: PortSettings;
  pending: PortChange;
  shown: PortSettings;
  onOk: (port: number | null, description: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const row = PORT_ROWS.find((r) => r.item === props.item)!;
  const current = portOf(props.shown, props.item);
  const [port, setPort] = useState(current === null ? '' : String(current));
  const [description, setDescription] = useState(props.shown.descriptions[props.item]);
  const [error, setError] = useState<{ field: 'port' | 'description'; error: SiteportError } | null>(null);

  const ok = (event: FormEvent): void => {
    event.preventDefault();
    const result = validateItem(props.saved, props.pending, props.item, port, description, row.optional);
    if (!result.ok) {
      setError({ field: result.field, error: result.error });
      return;
    }
    props.onOk(result.port, result.description);
  };

  return (
    <div className="backdrop">
      <form
        className="dialog small"
        role="dialog"
        aria-modal="true"
        aria-labelledby="port-details-title"
        onSubmit={ok}
        noValidate
      >
        <h2 id="port-details-title">{t('portDetails.title')}</h2>
        <p className="muted">{t(`ports.items.${row.item}`)}</p>
        <label>
          {t('portDetails.portNumber')}
          <input
            name="port"
            inputMode="numeric"
            value={port}
            aria-invalid={error?.field === 'port'}
            aria-describedby={error === null ? undefined : 'port-details-error'}
            placeholder={row.optional ? t('common.none') : undefined}
            onChange={(e) => {
              setPort(e.target.value);
              setError(null);
            }}
            autoFocus
          />
        </label>
        <label>
          {t('ports.description')}
          <input
            name="description"
            value={description}
            aria-invalid={error?.field === 'description'}
            onChange={(e) => {
              setDescription(e.target.value);
              setError(null);
            }}
          />
        </label>
        {row.optional && <p className="muted">{t('portDetails.removeAlternate')}</p>}
        {error !== null && (
          <p className="error" role="alert" id="port-details-error">
            {errorMessage(error.error)}
          </p>
        )}
        <div className="buttons">
          <button type="submit">{t('common.ok')}</button>
          <button type="button" onClick={props.onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
