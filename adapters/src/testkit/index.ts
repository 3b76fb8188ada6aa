// The adapters' test kit: real outside peers for tests (a nats-server on a free local port, a NATS subscriber that records frames).
export * from './nats-server.js';
export * from './nats-tap.js';
