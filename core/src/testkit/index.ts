// The test kit users import: a probe, the virtual clock and the in-memory transport.
export { TestProbe } from './test-probe.js';
export { VirtualClock } from '../clock/virtual-clock.js';
export { InMemoryHub, InMemoryTransport } from '../transport/in-memory-transport.js';
export { describeTransportContract, type TransportPair } from './transport-contract.js';
