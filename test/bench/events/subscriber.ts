// The events bench's WebSocket client, in a process of its own so that it can be pinned away from the proxy's core.
// Usage: node subscriber.js <adminPort> [json|msgpack]
// Prints `open` once subscribed to /events?type=*, and on SIGTERM one JSON line with what it received.
import { decodeEventFrame, MSGPACK_SUBPROTOCOL } from '@switchyard/adapters';
import { WebSocket } from 'ws';

const [adminPort, encoding = 'json'] = process.argv.slice(2);
const counts = { events: 0, frames: 0, bytes: 0, dropped: 0 };
const ws = new WebSocket(`ws://127.0.0.1:${adminPort}/events?type=*`, encoding === 'msgpack' ? [MSGPACK_SUBPROTOCOL] : [], { perMessageDeflate: false });

ws.on('message', (data: Buffer, isBinary: boolean) => {
  counts.frames++;
  counts.bytes += data.length;
  if (isBinary) {
    // msgpack has no line to count by: every frame is decoded, the cost of a real msgpack client.
    for (const event of decodeEventFrame(data, true)) countEvent(event);
    return;
  }
  // A text frame holds one event per line. Only a frame with a stream.dropped event is parsed; the
  // rest are counted by their newlines (like a client that hands lines on unparsed).
  if (data.includes('"stream.dropped"')) {
    for (const event of decodeEventFrame(data, false)) countEvent(event);
    return;
  }
  let lines = 1;
  for (let at = data.indexOf(10); at !== -1; at = data.indexOf(10, at + 1)) lines++;
  counts.events += lines;
});
ws.once('open', () => process.stdout.write('open\n'));
ws.once('error', (err) => {
  process.stderr.write(`subscriber: ${err.message}\n`);
  process.exit(1);
});
// The harness keeps a pipe on stdin: when it dies, so does this process.
process.stdin.resume();
process.stdin.once('end', () => process.exit(0));
process.once('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  ws.terminate();
  process.exit(0);
});

function countEvent(event: { type: string; [key: string]: unknown }): void {
  if (event.type === 'stream.dropped') counts.dropped += Number(event['count'] ?? 0);
  else counts.events++;
}
