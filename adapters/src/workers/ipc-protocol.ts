// The messages a primary and its workers exchange over their IPC channel, all tagged `sy` so Node's own cluster traffic never collides.
import type { BoundListener, ListenerCounters, TargetHealthState } from '@switchyard/actors';
import type { Config } from '@switchyard/config';

/** A transport frame: `from` names the sending endpoint so a hub can deliver it everywhere else. */
export interface FrameMessage {
  sy: 'frame';
  subject: string;
  frame: Uint8Array;
}

/** Worker → primary once its IPC listener is in place: "send me my start". */
export interface HelloMessage {
  sy: 'hello';
}

/** Primary → worker: what to serve and as whom. */
export interface StartMessage {
  sy: 'start';
  /** Stable slot (1..N), kept across restarts: the worker's node name ends with `-w<slot>`. */
  slot: number;
  workers: number;
  nodeName: string;
  config: Readonly<Config>;
  source: string;
  logLevel: string;
  /** Drains the primary decided before this worker (re)started, applied before it says ready. */
  drains: DrainOrder[];
}

export interface DrainOrder {
  upstream: string;
  target: string;
  isDraining: boolean;
}

/** Worker → primary: serving. */
export interface ReadyMessage {
  sy: 'ready';
  listeners: BoundListener[];
}

/** Worker → primary, every status interval and after each apply: what the admin API reads synchronously. */
export interface StatusMessage {
  sy: 'status';
  configVersion: number;
  listeners: BoundListener[];
  counters: Record<string, ListenerCounters>;
  /** `upstream\u0000target` → health, as this worker sees it. */
  health: Record<string, TargetHealthState>;
}

/** Primary → worker: a request; the worker answers with `reply` of the same id. */
export interface RequestMessage {
  sy: 'request';
  id: number;
  method: string;
  args: unknown;
}

export interface ReplyMessage {
  sy: 'reply';
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { code?: string; message: string; problems?: { path: string; message: string }[] };
}

/** Primary → worker: stop accepting, finish in-flight requests within `graceMs`, exit 0. */
export interface ShutdownMessage {
  sy: 'shutdown';
  graceMs: number;
}

/** Primary → worker: SIGUSR1 came to the primary (reopen log files). */
export interface ReopenLogsMessage {
  sy: 'reopen-logs';
}

export type IpcMessage =
  | FrameMessage
  | HelloMessage
  | StartMessage
  | ReadyMessage
  | StatusMessage
  | RequestMessage
  | ReplyMessage
  | ShutdownMessage
  | ReopenLogsMessage;

/** Whether `value` is one of ours (and not Node's own cluster message, or anything else). */
export function isIpcMessage(value: unknown): value is IpcMessage {
  return typeof value === 'object' && value !== null && typeof (value as { sy?: unknown }).sy === 'string';
}
