// What every connection of one listener shares: the live snapshot, the bus, the sweeper, counters.
import type { Bus, Clock, Snapshot } from '@switchyard/core';
import type { DeadlineSweeper } from './deadline-sweeper.js';
import type { ProxySnapshot } from './proxy-snapshot.js';
import type { SlotSet } from './slot-set.js';

/** A live connection as shutdown sees it; `liveSlot` is its index in `connections` (-1 outside). */
export interface LiveConnection {
  closeIfIdle(): boolean;
  destroy(): void;
  liveSlot: number;
}

/** Plain counters the data plane bumps; a stats tick reads them. */
export interface ListenerCounters {
  connectionsOpened: number;
  connectionsOpen: number;
  requests: number;
  responses2xx: number;
  responses3xx: number;
  responses4xx: number;
  responses5xx: number;
  bytesIn: number;
  bytesOut: number;
  /** Connections (udp: new flows) refused by the listener's allow/deny lists or connection caps. */
  connectionsRefused: number;
  /** udp: datagrams of new flows dropped because the listener was at `maxFlows`. */
  flowsDropped: number;
}

export function newCounters(): ListenerCounters {
  return { connectionsOpened: 0, connectionsOpen: 0, requests: 0, responses2xx: 0, responses3xx: 0, responses4xx: 0, responses5xx: 0, bytesIn: 0, bytesOut: 0, connectionsRefused: 0, flowsDropped: 0 };
}

export interface ListenerContext {
  readonly name: string;
  readonly scheme: 'http' | 'https';
  /** The local port, for the client-facing origin when the Host has none. */
  localPort: number;
  readonly snapshot: Snapshot<ProxySnapshot>;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly sweeper: DeadlineSweeper;
  readonly counters: ListenerCounters;
  nextConnId(): number;
  nextRequestId(): string;
  /** Live connections, so a shutdown can close idle ones and wait for busy ones. */
  readonly connections: SlotSet<'liveSlot', LiveConnection>;
  isShuttingDown: boolean;
}
