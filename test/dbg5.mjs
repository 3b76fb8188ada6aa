import { ChunkedDecoder } from '@switchyard/actors';
const orig = ChunkedDecoder.prototype.feed;
ChunkedDecoder.prototype.feed = function (buf, start, end) { console.log('FEED', start, end, JSON.stringify(buf.subarray(start, end).toString('latin1')), new Error().stack.split('\n').slice(2,6).join(' | ')); const r = orig.call(this, buf, start, end); console.log('  used', r); return r; };
await import('./dbg3.mjs');
