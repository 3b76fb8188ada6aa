// Test kit: a plain NATS subscriber that records what a cluster sends on a subject, as any other node would receive it.
import { connect, type NatsConnection } from 'nats';
import { msgpackCodec } from '../nats/codec.js';

/** One frame the tap saw: its subject and the envelope's sending node and message type. */
export interface TappedFrame {
  subject: string;
  node: unknown;
  type: unknown;
  payload: unknown;
}

/**
 * Records every frame published on `subject` (NATS wildcards allowed), decoded as the cluster
 * codec decodes it. For tests that must see what crosses NATS, not what a node says it sent.
 * @example
 * const tap = await NatsTap.open(nats.url, 'switchyard.itest.>');
 * // ... later
 * tap.frames.filter((f) => f.subject.endsWith('.cluster.events-relayed'));
 */
export class NatsTap {
  readonly frames: TappedFrame[] = [];

  private constructor(private readonly nc: NatsConnection) {}

  static async open(url: string, subject: string): Promise<NatsTap> {
    const nc = await connect({ servers: url, name: 'switchyard-test-tap' });
    const tap = new NatsTap(nc);
    nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err !== null) return;
        let envelope: { node?: unknown; type?: unknown; payload?: unknown } = {};
        try {
          envelope = msgpackCodec.decode(msg.data) as typeof envelope;
        } catch {
          // Recorded all the same, with nothing decoded: the test sees that something crossed.
        }
        tap.frames.push({ subject: msg.subject, node: envelope.node, type: envelope.type, payload: envelope.payload });
      },
    });
    // The subscription is registered with the server before the tap is handed out.
    await nc.flush();
    return tap;
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}
