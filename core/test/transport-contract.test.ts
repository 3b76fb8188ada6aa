// Runs the Transport contract suite against the in-memory transport.
import { InMemoryHub, describeTransportContract } from '../src/testkit/index.js';

describeTransportContract('InMemoryTransport', async () => {
  const hub = new InMemoryHub();
  const a = hub.connect();
  const b = hub.connect();
  return {
    a,
    b,
    close: async () => {
      await b.close();
      await a.close();
    },
  };
});
