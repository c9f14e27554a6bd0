import type { PortItem, PortSettings } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { PORT_ROWS, portOf } from './port-items.js';

/** The Ports tab: the port items with number and description, Properties, and the custom web site option. */
export function PortsTab(props: {
  shown: PortSettings;
  saved: PortSettings;
  selected: PortItem | null;
  editable: boolean;
  onSelect: (item: PortItem) => void;
  onProperties: () => void;
  onCustomWebSite: (value: boolean) => void;
}) {
  const { t } = useTranslation();
  const { shown, saved } = props;
  return (
    <div role="tabpanel" aria-label={t('ports.tab')}>
      <table className="grid" aria-label={t('ports.table')}>
        <thead>
          <tr>
            <th>{t('ports.item')}</th>
            <th>{t('ports.port')}</th>
            <th>{t('ports.description')}</th>
          </tr>
        </thead>
        <tbody>
          {PORT_ROWS.map((row) => {
            const port = portOf(shown, row.item);
            const changed =
              port !== portOf(saved, row.item) || shown.descriptions[row.item] !== saved.descriptions[row.item];
            return (
              <tr
                key={row.item}
                data-item={row.item}
                aria-selected={props.selected === row.item}
                className={
                  [props.selected === row.item ? 'selected' : '', changed ? 'changed' : ''].join(' ').trim() ||
                  undefined
                }
                onClick={() => props.onSelect(row.item)}
                onDoubleClick={() => props.editable && props.onProperties()}
              >
                <td>{t(`ports.items.${row.item}`)}</td>
                <td>{port ?? t('common.none')}</td>
                <td>{shown.descriptions[row.item]}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.editable && (
        <div className="toolbar">
          <button type="button" disabled={props.selected === null} onClick={props.onProperties}>
            {t('common.properties')}
          </button>
        </div>
      )}
      <label className="check">
        <input
          type="checkbox"
          checked={shown.customWebSite}
          disabled={!props.editable}
          onChange={(e) => props.onCustomWebSite(e.target.checked)}
        />
        {t('ports.customWebSite')}
      </label>
      <p className="muted">{t('ports.customWebSiteHint')}</p>
    </div>
  );
}
