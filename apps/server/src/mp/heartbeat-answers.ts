import type { HeartbeatResponse } from '@siteport/protocol';
import { JsonText } from '../http/index.js';
import type { Protocol } from '../net/index.js';

/**
 * The JSON of heartbeat answers, serialised once per listener and settings version: every client
 * heard on one listener gets the same answer. Keys come from this process's own listeners, never
 * from a request, so the map holds a handful of entries; a new settings version clears it.
 */
export class HeartbeatAnswers {
  private version = Number.NaN;
  private readonly byListener = new Map<number, JsonText>();

  get(settingsVersion: number, port: number, protocol: Protocol): JsonText {
    if (settingsVersion !== this.version) {
      this.byListener.clear();
      this.version = settingsVersion;
    }
    const key = protocol === 'https' ? port : -port;
    let json = this.byListener.get(key);
    if (json === undefined) {
      const response: HeartbeatResponse = { settingsVersion, observed: { port, protocol } };
      json = JsonText.of(response);
      this.byListener.set(key, json);
    }
    return json;
  }
}
