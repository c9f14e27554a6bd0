import type { ClientStatus, NotifyAction, NotifyClientResult } from '@siteport/protocol';

/**
 * What one process of a site tells the others. Events are facts or requests about live
 * state; a process that starts reads the state itself from the database and follows events from then on.
 */
export type BridgeEvent =
  /** Settings or rollout state changed: reconcile listeners to the served endpoints, rebuild policy. */
  | { kind: 'ports-changed'; siteCode: string; version: number }
  /** The default web site's applications or bindings changed: reconcile listeners. */
  | { kind: 'web-changed'; siteCode: string }
  /** The reachability map's settings changed (decision 0115): rebuild policy, which announces them. */
  | { kind: 'reachability-changed'; siteCode: string }
  /** A client registered at some MP of the site (push installation waits for it). */
  | { kind: 'client-registered'; siteCode: string; clientId: string; keyFingerprint: string }
  /** An administrator approved, blocked, unblocked or retired a client: drop its cached status, sessions and channel. */
  | { kind: 'client-status-changed'; siteCode: string; clientId: string; status: ClientStatus }
  /** Deliver an action to these clients (null: every online one) if they are connected here; answer with a notify-result. */
  | {
      kind: 'notify-request';
      requestId: string;
      clients: string[] | null;
      action: Omit<NotifyAction, 'id'>;
      waitMs: number;
    }
  /**
   * Results of one MP for a notify-request, addressed to the issuer: sent in parts as its clients
   * acknowledge; `more` marks a part after which more follow, the last part (without it) holds the
   * clients that did not acknowledge in time.
   */
  | { kind: 'notify-result'; requestId: string; to: string; results: NotifyClientResult[]; more?: true }
  /**
   * Clients whose notification channel this MP now holds (`online`, each "<client id> <tcp|http-poll>")
   * or lost (`offline`, client ids); `snapshot` replaces everything this MP said before.
   */
  | { kind: 'presence'; online: string[]; offline: string[]; snapshot: boolean }
  /** Someone (a new MP) asks every MP for a presence snapshot. */
  | { kind: 'presence-query' }
  /** Test-bind these ports before a change is accepted; answer with a bind-answer. */
  | { kind: 'bind-check'; requestId: string; ports: { item: string; port: number }[] }
  /** One MP's answer to a bind-check: null when every port binds there. */
  | {
      kind: 'bind-answer';
      requestId: string;
      to: string;
      host: string;
      error: { code: string; message: string } | null;
    }
  /** An MP process asks the site server (which alone holds the site CA key) to sign its certificate request (decision 0101). */
  | { kind: 'certificate-request'; requestId: string; csr: string; names: string[] }
  /** An administrator renewed the site server's certificate: every MP process renews its own too. */
  | { kind: 'certificates-renew' }
  /** The site server's answer: the certificate and the site CA, or why it refused. */
  | {
      kind: 'certificate-issued';
      requestId: string;
      to: string;
      certificate: string | null;
      caCertificate: string | null;
      error: { code: string; message: string } | null;
    };

/** An event as another process published it. */
export interface ReceivedEvent {
  seq: number;
  /** Registry id of the publishing process. */
  origin: string;
  at: string;
  event: BridgeEvent;
}

/**
 * Lifecycle of a bridge: idle → connecting → listening ⇄ reconnecting (the LISTEN connection was
 * lost; events are caught up after it is back) → stopped.
 */
export type BridgeState = 'idle' | 'connecting' | 'listening' | 'reconnecting' | 'stopped';

/**
 * Carries events between the processes of one site: every MP process and the site server. An
 * implementation delivers each event published by another process to every subscriber exactly
 * once and in publish order, including events published while this process was cut off; a
 * process's own events are not delivered back to it (it acted on them when it published).
 */
export interface EventBridge {
  /** Id of this process (its registry entry): the `origin` of what it publishes. */
  readonly origin: string;
  readonly state: BridgeState;
  /** Stores and announces an event; kept and retried in order while the database is unreachable. */
  publish(event: BridgeEvent): Promise<void>;
  /**
   * Reads the events of the other processes not seen yet, now, rather than at the next
   * notification: the last look of a request before it gives up on an answer.
   */
  catchUp(): Promise<void>;
  /** Calls `handler` for every event of another process; returns the unsubscribe function. */
  subscribe(handler: (event: ReceivedEvent) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
