// A complete request.completed event for tests.
import { RequestCompleted } from '@switchyard/core';

export function requestCompleted(overrides: Partial<RequestCompleted> = {}): RequestCompleted {
  return RequestCompleted.make({
    connId: 1,
    requestId: 'r1',
    listener: 'web',
    clientAddress: '127.0.0.1',
    clientPort: 40000,
    method: 'GET',
    target: '/',
    httpVersion: '1.1',
    host: 'localhost',
    status: 200,
    bytesIn: 10,
    bytesOut: 20,
    upstreamConnectMs: -1,
    upstreamHeaderMs: -1,
    totalMs: 1,
    termination: 'local-response',
    startedAt: Date.UTC(2026, 10, 22, 0, 36, 20),
    ...overrides,
  });
}
