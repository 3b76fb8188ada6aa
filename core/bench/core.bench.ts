// Core runtime benchmark: the bus against bare EventEmitter and Subject, mailboxes, tell and ask.
import { EventEmitter } from 'node:events';
import { Subject } from 'rxjs';
import { z } from 'zod';
import { Bus, createActorSystem, defineActor, defineMessage, type ActorRef, type Message, type MessageOf } from '../src/index.js';
import { fmt, measureAsync, measureSync, perSecond } from './measure.js';

const N = 2_000_000;
const Tick = defineMessage('bench.tick', { n: z.number() });
const Done = defineMessage('bench.done', {}, { reply: z.number() });
type In = MessageOf<typeof Tick> | MessageOf<typeof Done>;
const types = Array.from({ length: 10 }, (_, i) => defineMessage(`bench.type-${i}`, { n: z.number() }));

let sink = 0;
const message = Tick.make({ n: 1 });

interface Row {
  what: string;
  ns: number;
  peer?: { name: string; ns: number };
  target?: string;
  ok?: boolean;
}
const rows: Row[] = [];

// --- publish with no subscriber ---
{
  const bus = new Bus();
  const emitter = new EventEmitter();
  const subject = new Subject<Message>();
  const busNs = measureSync(N, (n) => {
    for (let i = 0; i < n; i++) bus.publish(message);
  });
  const emitterNs = measureSync(N, (n) => {
    for (let i = 0; i < n; i++) emitter.emit('bench.tick', message);
  });
  const subjectNs = measureSync(N, (n) => {
    for (let i = 0; i < n; i++) subject.next(message);
  });
  rows.push({ what: 'publish, no subscriber', ns: busNs, peer: { name: 'EventEmitter.emit', ns: emitterNs }, target: '≤ 20 ns', ok: busNs <= 20 });
  rows.push({ what: '  (bare Subject.next, no observer)', ns: subjectNs });
  bus.close();
}

// --- publish with one subscriber ---
{
  const bus = new Bus();
  const emitter = new EventEmitter();
  const subject = new Subject<Message>();
  bus.on(Tick).subscribe((m) => (sink += m.n));
  emitter.on('bench.tick', (m: MessageOf<typeof Tick>) => (sink += m.n));
  subject.subscribe((m) => (sink += (m as MessageOf<typeof Tick>).n));
  const busNs = measureSync(N, (n) => {
    for (let i = 0; i < n; i++) bus.publish(message);
  });
  const subjectNs = measureSync(N, (n) => {
    for (let i = 0; i < n; i++) subject.next(message);
  });
  const emitterNs = measureSync(N, (n) => {
    for (let i = 0; i < n; i++) emitter.emit('bench.tick', message);
  });
  rows.push({ what: 'publish, one subscriber', ns: busNs, peer: { name: 'Subject.next', ns: subjectNs }, target: '≤ 1.5× Subject', ok: busNs <= 1.5 * subjectNs });
  rows.push({ what: '  (EventEmitter.emit, one listener)', ns: emitterNs });

  // --- ten types, one subscriber each: cost must not depend on the number of types ---
  for (const type of types) bus.on(type).subscribe((m) => (sink += m.n));
  const messages = types.map((t) => t.make({ n: 1 }));
  const tenNs = measureSync(N, (n) => {
    for (let i = 0; i < n; i++) bus.publish(messages[i % 10] as Message);
  });
  const oneNs = measureSync(N, (n) => {
    for (let i = 0; i < n; i++) bus.publish(messages[0] as Message);
  });
  rows.push({ what: 'publish over 10 types (1 sub each)', ns: tenNs, peer: { name: 'same, always 1 type', ns: oneNs }, target: '≈ 1× (independent)', ok: tenNs <= 1.5 * oneNs });
  bus.close();
}

// --- actors ---
const counter = defineActor<{ count: number }, In>({
  name: 'counter',
  init: () => ({ count: 0 }),
  receive(state, m, ctx) {
    if (m.type === 'bench.done') {
      ctx.reply(Done, state.count);
      return;
    }
    state.count += m.n; // a benchmark-only mutation: measure the runtime, not object allocation
    return;
  },
});

const system = createActorSystem({ name: 'bench' });

/** One burst of `count` tells into an idle actor's mailbox, then the ask that proves all arrived. */
async function burst(ref: ActorRef<In>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) ref.tell(message);
  await ref.ask(Done, {});
}

{
  // Sustained: many bursts of 1,000 through one long-lived actor.
  const ref = system.spawn(counter, undefined);
  const tellNs = await measureAsync(1_000_000, async (n) => {
    for (let sent = 0; sent < n; sent += 1000) {
      for (let i = 0; i < 1000; i++) ref.tell(message);
      await Promise.resolve();
    }
    await ref.ask(Done, {});
  });
  rows.push({ what: 'tell → receive, sustained', ns: tellNs, target: '≤ 250 ns', ok: tellNs <= 250 });

  const roomy = system.spawn(counter, undefined, { mailbox: { capacity: 200_000 } });
  const small = await measureAsync(1_000, (n) => burst(roomy, n), 51);
  const large = await measureAsync(100_000, (n) => burst(roomy, n), 9);
  rows.push({ what: 'burst of 100,000 into one mailbox', ns: large, peer: { name: 'burst of 1,000', ns: small }, target: '≤ 1.5× burst of 1k', ok: large <= 1.5 * small });

  const askNs = await measureAsync(200_000, async (n) => {
    for (let i = 0; i < n; i++) await ref.ask(Done, {});
  });
  rows.push({ what: 'ask round trip, local', ns: askNs, target: '≤ 2000 ns', ok: askNs <= 2000 });
}
await system.terminate();

console.log(`\ncore benchmark (node ${process.version}, ${new Date().toISOString()})\n`);
const header = ['measure', 'ns/op', 'ops/s', 'peer', 'peer ns/op', 'ratio', 'target', 'met'];
const table = rows.map((r) => [
  r.what,
  fmt(r.ns),
  perSecond(r.ns),
  r.peer?.name ?? '',
  r.peer ? fmt(r.peer.ns) : '',
  r.peer ? `${(r.ns / r.peer.ns).toFixed(2)}×` : '',
  r.target ?? '',
  r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
if (sink === -1) console.log(sink);
