import assert from 'node:assert/strict';
import { TcpProber } from '../../src/health/index.js';
import { Closers, blackholePort, closedPort, startRawServer } from './socket-fixtures.js';

const at = (port: number) => ({ address: `127.0.0.1:${port}`, host: '127.0.0.1', port });

describe('health tcp prober (real sockets)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());
  const prober = new TcpProber();

  it('passes when the connection opens, and closes it without writing', async () => {
    let closed: () => void = () => undefined;
    const isClosed = new Promise<void>((resolve) => (closed = resolve));
    const server = await startRawServer(closers, (socket) => socket.on('close', () => closed()));
    const result = await prober.probe(at(server.port), 1000);
    assert.equal(result.ok, true);
    assert.equal(result.reason, 'connected');
    assert.ok(result.latencyMs >= 0 && result.latencyMs < 1000);
    await isClosed;
    assert.deepEqual(server.received, ['']);
  });

  it('fails with the error code when the connection is refused', async () => {
    const result = await prober.probe(at(await closedPort()), 1000);
    assert.deepEqual([result.ok, result.reason], [false, 'connect ECONNREFUSED']);
  });

  it('fails at the timeout when the connect hangs', async () => {
    const port = await blackholePort(closers);
    const started = performance.now();
    const result = await prober.probe(at(port), 300);
    const took = performance.now() - started;
    assert.deepEqual([result.ok, result.reason], [false, 'timeout after 300 ms']);
    assert.ok(took >= 290 && took < 1000, `took ${took} ms`);
    assert.ok(result.latencyMs >= 290);
  });
});
