import type { PortItem, PortSettings } from '@siteport/protocol';
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
  const { shown, saved } = props;
  return (
    <div role="tabpanel" aria-label="Ports">
      <table className="grid" aria-label="Port items">
        <thead>
          <tr>
            <th>Item</th>
            <th>Port</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {PORT_ROWS.map((row) => {
            const port = portOf(shown, row.item);
            const changed = port !== portOf(saved, row.item) || shown.descriptions[row.item] !== saved.descriptions[row.item];
            return (
              <tr
                key={row.item}
                data-item={row.item}
                aria-selected={props.selected === row.item}
                className={[props.selected === row.item ? 'selected' : '', changed ? 'changed' : ''].join(' ').trim() || undefined}
                onClick={() => props.onSelect(row.item)}
                onDoubleClick={() => props.editable && props.onProperties()}
              >
                <td>{row.label}</td>
                <td>{port ?? 'none'}</td>
                <td>{shown.descriptions[row.item]}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.editable && (
        <div className="toolbar">
          <button type="button" disabled={props.selected === null} onClick={props.onProperties}>
            Properties
          </button>
        </div>
      )}
      <label className="check">
        <input type="checkbox" checked={shown.customWebSite} disabled={!props.editable} onChange={(e) => props.onCustomWebSite(e.target.checked)} />
        Use custom web site (SMSWeb)
      </label>
      <p className="muted">
        With the custom web site the management points get a dedicated web site; on the default web site, changing request ports moves every other
        application that shares it.
      </p>
    </div>
  );
}
