// `run` with a `cluster:` block: connects the NATS transport the node's cluster side runs over.
import type { ClusterNodeOptions } from '@switchyard/actors';
import type { ClusterConfig } from '@switchyard/config';
import type { Bus, Logger } from '@switchyard/core';
import { ClusterTransportStatus } from '@switchyard/core';
import { msgpackCodec } from '../nats/codec.js';
import { connectNatsTransport } from '../nats/nats-transport.js';

/** A connected cluster transport: the options to start the node with, and how to close it after the node. */
export interface ClusterTransport {
  readonly options: ClusterNodeOptions;
  close(): Promise<void>;
}

/**
 * Connects to the cluster's NATS servers as `nodeName`, reporting link changes on `bus` (the node's
 * coordinator follows them: while the link is down the node probes every target itself) and in the
 * log. Rejects with `ERR_TRANSPORT_CONNECT_FAILED` when no server answers at start; once connected
 * it reconnects for ever.
 * @example
 * const cluster = await connectClusterTransport(config.cluster, { nodeName: 'edge-1', bus, logger });
 * const node = await startProxyNode(config, { bus, nodeName: 'edge-1', cluster: cluster.options });
 * // on shutdown: await node.close(); await cluster.close();
 */
export async function connectClusterTransport(config: Readonly<ClusterConfig>, options: { nodeName: string; bus: Bus; logger: Logger }): Promise<ClusterTransport> {
  const { logger } = options;
  const transport = await connectNatsTransport({
    servers: config.nats.servers.map((s) => (/^[a-z]+:\/\//.test(s) ? s : `nats://${s}`)),
    name: options.nodeName,
    bus: options.bus,
    ...(config.nats.user === undefined ? {} : { user: config.nats.user }),
    ...(config.nats.pass === undefined ? {} : { pass: config.nats.pass }),
    ...(config.nats.token === undefined ? {} : { token: config.nats.token }),
    onStatus: (status: ClusterTransportStatus) => {
      const fields = { cluster: config.name, status: status.status, server: status.server, attempt: status.attempt, code: status.code };
      if (status.status === 'error' || status.status === 'disconnected') logger.warn({ ...fields, message: status.message }, `cluster link ${status.status}`);
      else if (status.status !== 'reconnecting') logger.info(fields, `cluster link ${status.status}`);
    },
  });
  // One round trip, so a server that accepted the socket but not the session fails here, not later.
  await transport.flush().catch(() => undefined);
  logger.info({ cluster: config.name, node: options.nodeName, server: transport.server }, 'joined the cluster transport');
  return {
    options: { transport, name: config.name, codec: msgpackCodec },
    close: () => transport.close(),
  };
}
