// Builds the PROXY protocol header an L4 connection sends first to an upstream that asks for one.
import { isIPv4 } from 'node:net';
import { writeProxyHeaderV1, writeProxyHeaderV2, type ProxyEndpoint } from '../proxy-protocol/index.js';

/**
 * The header for a connection from `source` (the client, as the proxy knows it: from a trusted
 * PROXY header, else the peer) to `destination` (the address the client connected to). Both
 * IPv4: TCP4; otherwise TCP6 with an IPv4 address written IPv4-mapped, as one header carries one
 * family. Addresses that cannot be written (not IPs) give `UNKNOWN` (v1) or AF_UNSPEC (v2): the
 * upstream then uses the connection's own addresses, which is all it could learn anyway.
 *
 * @example
 * socket.write(proxyHeaderFor('v2', { address: '203.0.113.7', port: 5123 }, { address: '10.0.0.1', port: 443 }));
 */
export function proxyHeaderFor(version: 'v1' | 'v2', source: ProxyEndpoint, destination: ProxyEndpoint): Buffer {
  const isV4 = isIPv4(source.address) && isIPv4(destination.address);
  const family = isV4 ? 'tcp4' : 'tcp6';
  const src = isV4 ? source : asV6(source);
  const dst = isV4 ? destination : asV6(destination);
  try {
    if (version === 'v1') return writeProxyHeaderV1(src, dst, family);
    return writeProxyHeaderV2({ command: 'proxy', family, source: src, destination: dst });
  } catch {
    // The writers refuse what is not an IP of the family (a bug upstream of here, or a unix peer).
    return version === 'v1' ? writeProxyHeaderV1(undefined, undefined, 'unknown') : writeProxyHeaderV2({ command: 'proxy', family: 'unknown' });
  }
}

function asV6(endpoint: ProxyEndpoint): ProxyEndpoint {
  return isIPv4(endpoint.address) ? { address: `::ffff:${endpoint.address}`, port: endpoint.port } : endpoint;
}
