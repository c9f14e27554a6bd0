/** Contents of `portswitch.json`: the status record the port switch tool leaves. */
export interface PortSwitchRecord {
  /** ISO time of the switch. */
  at: string;
  httpPort: number;
  /** The new HTTPS port, or null when only the HTTP port was given. */
  httpsPort: number | null;
  /** Default ports before the switch. */
  previous: { http: number; https: number };
  result: 'applied';
  /** Whether a running agent was told (SIGHUP, or a reload request file on Windows) to pick the change up now. */
  agentSignalled: boolean;
  agentPid: number | null;
}
