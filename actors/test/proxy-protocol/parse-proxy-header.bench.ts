// Micro-benchmark of parseProxyHeader: CPU ns per parse for typical v1 and v2 headers. Run after a build:
//   node actors/dist/test/proxy-protocol/parse-proxy-header.bench.js
import { parseProxyHeader, type ProxyHeaderResult } from '../../src/proxy-protocol/parse-proxy-header.js';
import { writeProxyHeaderV1, writeProxyHeaderV2 } from '../../src/proxy-protocol/write-proxy-header.js';
import { crc32c } from '../../src/proxy-protocol/crc32c.js';

const ACCEPT = { v1: true, v2: true };
const tcp4 = { source: { address: '203.0.113.7', port: 40000 }, destination: { address: '198.51.100.1', port: 443 } };
const tcp6 = { source: { address: '2001:db8::7', port: 40000 }, destination: { address: '2001:db8:1::1', port: 443 } };
const uniqueId = Buffer.from('0123456789abcdef0123456789abcdef', 'latin1');

/** HAProxy 2.6's TLS-frontend header: CRC32C, ALPN, AUTHORITY, UNIQUE_ID and SSL with four sub-TLVs. */
const haproxyTls = Buffer.from(
  '0d0a0d0a000d0a515549540a211100717f0000017f000001c860963103000499702077010002683202000b736e692e6578616d706c6505000661626331323320003f0100000000210007544c5376312e332500075253413230343824000a5253412d534841323536230016544c535f4145535f3235365f47434d5f534841333834',
  'hex',
);

const CASES: [string, Buffer][] = [
  ['v2 tcp4, no TLVs', writeProxyHeaderV2({ command: 'proxy', family: 'tcp4', ...tcp4 })],
  ['v2 tcp4, ALPN + AUTHORITY + UNIQUE_ID', writeProxyHeaderV2({ command: 'proxy', family: 'tcp4', ...tcp4, tlvs: { alpn: 'h2', authority: 'api.example.com', uniqueId } })],
  [
    'v2 tcp4, ALPN + AUTHORITY + UNIQUE_ID + CRC32C',
    writeProxyHeaderV2({ command: 'proxy', family: 'tcp4', ...tcp4, tlvs: { alpn: 'h2', authority: 'api.example.com', uniqueId }, withCrc32c: true }),
  ],
  [
    'v2 tcp6, ALPN + AUTHORITY + UNIQUE_ID + CRC32C',
    writeProxyHeaderV2({ command: 'proxy', family: 'tcp6', ...tcp6, tlvs: { alpn: 'h2', authority: 'api.example.com', uniqueId }, withCrc32c: true }),
  ],
  ['v2 HAProxy TLS (CRC32C, 4 TLVs, SSL + 4 sub-TLVs)', haproxyTls],
  ['v2 LOCAL health check', writeProxyHeaderV2({ command: 'local', family: 'unknown' })],
  ['v1 tcp4', writeProxyHeaderV1(tcp4.source, tcp4.destination, 'tcp4')],
  ['v1 tcp6', writeProxyHeaderV1(tcp6.source, tcp6.destination, 'tcp6')],
  ['none (GET / HTTP/1.1)', Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'latin1')],
];

let sink: ProxyHeaderResult | undefined;

/**
 * CPU time (user + system) rather than wall time: on a shared machine wall time also counts the
 * moments the process waits for a core, which says nothing about the parser.
 */
function cpuNs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) * 1000;
}

function nsPerParse(buf: Buffer, iterations: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) sink = parseProxyHeader(buf, 0, buf.length, ACCEPT);
  return cpuNs(t0) / iterations;
}

const ITERATIONS = 1_000_000;
for (const [name, buf] of CASES) {
  nsPerParse(buf, 200_000); // warm up
  const runs = Array.from({ length: 7 }, () => nsPerParse(buf, ITERATIONS)).sort((a, b) => a - b);
  console.log(`${name.padEnd(52)} ${String(buf.length).padStart(4)} B  median ${(runs[3] as number).toFixed(0).padStart(5)} ns  best ${(runs[0] as number).toFixed(0).padStart(5)} ns`);
}
{
  const buf = haproxyTls;
  let x = 0;
  const t0 = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) x ^= crc32c(buf);
  console.log(`${'crc32c over the 129-byte HAProxy header'.padEnd(52)} ${(cpuNs(t0) / ITERATIONS).toFixed(0).padStart(13)} ns  (${x})`);
}
if (sink === undefined) console.log('no result');
