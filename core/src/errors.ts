// The one catalogue of stable error codes, and the typed errors built on them.

/**
 * Every error code the project can raise, with the sentence that documents it.
 * Codes are stable strings `ERR_<AREA>_<WHAT>`: code may branch on them, people read the text.
 * A test checks each code is unique, well formed and documented.
 */
export const ErrorCatalogue = {
  ERR_ACTOR_STOPPED: 'The target actor has stopped; the message was dead-lettered.',
  ERR_ACTOR_NAME_TAKEN: 'An actor with this name is already running under the same parent.',
  ERR_ACTOR_INIT_FAILED: 'An actor threw from init while starting or restarting.',
  ERR_ACTOR_RECEIVE_FAILED: 'An actor threw from receive while handling a message.',
  ERR_MAILBOX_FULL: 'The mailbox was full and its overflow policy rejected the message.',
  ERR_ASK_TIMEOUT: 'No reply arrived within the ask timeout.',
  ERR_ASK_ABORTED: 'The ask was aborted through its AbortSignal before a reply arrived.',
  ERR_SUPERVISION_ESCALATED: 'A child failure was escalated to its parent by the supervisor strategy.',
  ERR_SUPERVISION_RESTARTS_EXCEEDED: 'A child failed more often than its restart limit allows within the window.',
  ERR_BUS_SUBSCRIBER_FAILED: 'A bus subscriber threw; the bus isolated it and kept delivering to the others.',
  ERR_MESSAGE_INVALID: 'A message from outside the process failed its schema.',
  ERR_TRANSPORT_FRAME_REJECTED: 'A transport frame could not be decoded or failed its envelope schema.',
  ERR_TRANSPORT_VERSION_MISMATCH: 'A transport frame carried a protocol version this node does not speak.',
  ERR_TRANSPORT_CLOSED: 'The transport was closed.',
  ERR_TRANSPORT_CONNECT_FAILED: 'The transport could not connect to any of its servers at start; later losses of the link are retried for ever.',
  ERR_TRANSPORT_FAILED: 'The transport, its server or one of its subscribers reported an error; the transport isolated it and kept going.',
  ERR_RUNTIME_UNKNOWN: 'Something was thrown that carries no code of ours; its message is kept.',
  ERR_ADMIN_UNAUTHORIZED: 'The admin API needs a bearer token and the request had none, or the wrong one.',
  ERR_ADMIN_FORBIDDEN: 'The admin API refused a cross-site request, or a non-loopback Host on a token-less admin listener.',
  ERR_ADMIN_NOT_FOUND: 'No such admin API endpoint, upstream or target.',
  ERR_ADMIN_METHOD_NOT_ALLOWED: 'The admin API endpoint exists but not for this HTTP method.',
  ERR_ADMIN_BAD_REQUEST: 'The admin API request body is not JSON, not application/json, or too large.',
  ERR_ADMIN_RELOAD_FAILED: 'A reload asked through the admin API failed; the last good config keeps serving.',
  ERR_ADMIN_NOT_IMPLEMENTED: 'The admin API operation has no implementation on this node.',
  ERR_ADMIN_UPGRADE_REQUIRED: 'The event stream endpoint needs a WebSocket upgrade.',
  ERR_ADMIN_INTERNAL: 'The admin API failed unexpectedly; the node keeps serving.',
  ERR_ADMIN_CLOSING: 'The admin listener is shutting down and takes no new event stream clients.',
  ERR_EVENT_FILTER_INVALID: 'An event stream filter is malformed; every problem is listed.',
  ERR_EVENT_STREAM_FULL: 'The event stream has as many clients as it allows.',
  ERR_CONFIG_ROLLOUT_ABORTED: 'A cluster config rollout was refused by at least one node; no node applied it, and each node says why.',
  ERR_CONFIG_INVALID: 'The configuration failed validation; every problem is listed with its path.',
  ERR_CONFIG_LOAD_FAILED: 'The configuration file could not be read or parsed.',
  ERR_CONFIG_NOT_APPLIED: 'A valid configuration could not be applied (a listener could not bind, or it asks for what this build cannot serve); the last good one is kept.',
  ERR_LISTENER_BIND_FAILED: 'A listener could not bind its address (in use, not permitted, or not local).',
  ERR_SCRIPT_LOAD_FAILED: 'A routing script could not be read, compiled or imported, lacks a router, or failed its self-test; the version (or reload) is refused and the previous script keeps running.',
  ERR_SCRIPT_FAILED: 'A routing script threw, returned something that is not a decision, or its worker exited; the request fell back and the script is restarted with backoff.',
  ERR_SCRIPT_TIMEOUT: 'A routing script overran its time budget: inline, measured after the call returned; in a worker, the worker was terminated at the deadline.',
} as const;

export type ErrorCode = keyof typeof ErrorCatalogue;

/** The base of every error the project throws or reports: a stable code, a message, a cause. */
export class SwitchyardError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** What crosses a node boundary: the typed error is rebuilt from it on receipt. */
  toWire(): WireError {
    return { code: this.code, message: this.message, retryable: isRetryable(this.code) };
  }
}

export interface WireError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ERR_ASK_TIMEOUT', 'ERR_MAILBOX_FULL', 'ERR_TRANSPORT_CLOSED', 'ERR_TRANSPORT_CONNECT_FAILED']);

export function isRetryable(code: ErrorCode): boolean {
  return RETRYABLE.has(code);
}

/** Rebuilds a typed error from its wire form; an unknown code keeps its text under a generic code. */
export function errorFromWire(wire: WireError): SwitchyardError {
  const code: ErrorCode = wire.code in ErrorCatalogue ? wire.code : 'ERR_MESSAGE_INVALID';
  return new SwitchyardError(code, wire.message);
}

export class ActorStoppedError extends SwitchyardError {
  constructor(readonly address: string) {
    super('ERR_ACTOR_STOPPED', `actor ${address} has stopped`);
  }
}

export class AskTimeoutError extends SwitchyardError {
  constructor(
    readonly address: string,
    readonly timeoutMs: number,
  ) {
    super('ERR_ASK_TIMEOUT', `no reply from ${address} within ${timeoutMs} ms`);
  }
}

export class AskAbortedError extends SwitchyardError {
  constructor(readonly address: string, options?: ErrorOptions) {
    super('ERR_ASK_ABORTED', `ask to ${address} was aborted`, options);
  }
}

export class MailboxFullError extends SwitchyardError {
  constructor(
    readonly address: string,
    readonly capacity: number,
  ) {
    super('ERR_MAILBOX_FULL', `mailbox of ${address} is full (${capacity} messages)`);
  }
}
