// Runs the Transport contract suite against NatsTransport over a real local nats-server.
import { describeTransportContract } from '@switchyard/core/testkit';
import { connectNatsTransport } from '../../src/nats/nats-transport.js';
import { NatsServer } from '../../src/testkit/nats-server.js';

describe('NatsTransport over nats-server', () => {
  let server: NatsServer;
  before(async () => {
    server = await NatsServer.start();
  });
  after(() => server.stop());

  describeTransportContract('NatsTransport', async () => {
    const a = await connectNatsTransport({ servers: server.url, name: 'contract-a' });
    const b = await connectNatsTransport({ servers: server.url, name: 'contract-b' });
    return {
      a,
      b,
      settle: async () => {
        await Promise.all([a, b].filter((t) => t.isConnected).map((t) => t.flush()));
      },
      close: async () => {
        await b.close();
        await a.close();
      },
    };
  });
});
