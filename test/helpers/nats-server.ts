// The nats-server test kit lives with the NATS adapter; re-exported here for the cross-package suites.
export * from '@switchyard/adapters/testkit';
