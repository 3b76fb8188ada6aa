// The adapters' test kit: real outside peers for tests (a nats-server on a free local port).
export * from './nats-server.js';
