// The listener actor: owns one server socket, accepts connections, and drains them on stop.
import net from 'node:net';
import tls from 'node:tls';
import { ListenerBound, ListenerClosed, ListenerFailed, defineActor, defineMessage, errorInfo, type MessageOf } from '@switchyard/core';
import type { ListenerConfig } from '@switchyard/config';
import { z } from 'zod';
import { TcpSession } from '../l4/tcp-session.js';
import { UdpListener } from '../l4/udp-flows.js';
import { ClientConnection } from '../proxy/client-connection.js';
import type { ListenerContext } from '../proxy/listener-context.js';
import { ConnectionGuard, guardPolicyFor, peerIp } from './connection-guard.js';
import { preamblePolicyFor, readProxyPreamble } from './proxy-preamble.js';
import { TlsContexts } from './tls-contexts.js';

export const BindListener = defineMessage(
  'listener.bind',
  {},
  { reply: z.object({ ok: z.boolean(), host: z.string(), port: z.number(), error: z.string().optional() }) },
);
export const BindSettled = defineMessage('listener.bind-settled', {
  error: z.custom<Error>().optional(),
  reply: z.custom<(value: { ok: boolean; host: string; port: number; error?: string }) => void>(),
});
export const DrainListener = defineMessage('listener.drain', { graceMs: z.number() }, { reply: z.number() });
export const DrainSettled = defineMessage('listener.drain-settled', {
  cut: z.number(),
  reply: z.custom<(value: number) => void>(),
});
type In = MessageOf<typeof BindListener> | MessageOf<typeof BindSettled> | MessageOf<typeof DrainListener> | MessageOf<typeof DrainSettled>;

export interface ListenerArgs {
  config: Readonly<ListenerConfig>;
  context: ListenerContext;
}

interface ListenerState {
  config: Readonly<ListenerConfig>;
  context: ListenerContext;
  /** A stream server (http, https, tcp, tls) or a udp socket with its flows. */
  server: net.Server | UdpListener;
  tls: TlsContexts | undefined;
  isBound: boolean;
}

/**
 * Connections are handed to a ClientConnection at once and never pass through the mailbox: the
 * actor decides when to bind and when to drain, the data plane does the rest.
 */
export const listener = defineActor<ListenerState, In, ListenerArgs>({
  name: 'listener',
  init({ config, context }) {
    let contexts: TlsContexts | undefined;
    if (config.tls !== undefined) {
      contexts = new TlsContexts(config.tls);
      contexts.watchFiles();
    }
    const server = createServer(config, context, contexts);
    // Errors after binding (EMFILE and friends) must not crash the node.
    if (server instanceof net.Server) server.on('error', () => undefined);
    return { config, context, server, tls: contexts, isBound: false };
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'listener.bind': {
        const reply = ctx.deferReply(BindListener);
        if (reply === undefined) return;
        const { host, port } = state.config.address;
        ctx.pipeToSelf(
          state.server instanceof UdpListener ? state.server.bind(host, port) : listen(state.server, host, port),
          () => BindSettled.make({ reply }),
          (error) => BindSettled.make({ reply, error: error as Error }),
        );
        return;
      }
      case 'listener.bind-settled': {
        const { host } = state.config.address;
        if (message.error !== undefined) {
          ctx.emit(ListenerFailed.make({ listener: state.config.name, error: errorInfo(message.error, 'ERR_LISTENER_BIND_FAILED') }));
          message.reply({ ok: false, host, port: state.config.address.port, error: `${state.config.name}: cannot listen on ${state.config.address.text}: ${(message.error as NodeJS.ErrnoException).code ?? message.error.message}` });
          return;
        }
        const port = state.server instanceof UdpListener ? state.server.port : (state.server.address() as net.AddressInfo).port;
        state.context.localPort = port;
        ctx.emit(ListenerBound.make({ listener: state.config.name, protocol: state.config.protocol, host, port }));
        message.reply({ ok: true, host, port });
        return { ...state, isBound: true };
      }
      case 'listener.drain': {
        const reply = ctx.deferReply(DrainListener);
        if (reply === undefined) return;
        ctx.pipeToSelf(
          drain(state, message.graceMs),
          (cut) => DrainSettled.make({ cut, reply }),
          () => DrainSettled.make({ cut: -1, reply }),
        );
        return;
      }
      case 'listener.drain-settled':
        message.reply(message.cut);
        ctx.emit(ListenerClosed.make({ listener: state.config.name }));
        return { ...state, isBound: false };
    }
  },
  async stopped(state) {
    state.tls?.close();
    if (state.server instanceof UdpListener) await state.server.close();
    else if (state.server.listening) await drain(state, 0);
  },
});

/**
 * The server of each protocol. Every accepted connection passes the listener's guard first (an
 * https one before its handshake); then http and https connections are parsed as HTTP, tcp and tls
 * ones become L4 sessions (a tls listener terminates TLS inside the session, after any PROXY
 * header), and udp datagrams are sorted into flows.
 */
function createServer(config: Readonly<ListenerConfig>, context: ListenerContext, contexts: TlsContexts | undefined): net.Server | UdpListener {
  const guard = new ConnectionGuard(context.counters);
  const admit = (socket: net.Socket): boolean => guard.admitSocket(socket, guardPolicyFor(context.snapshot.current, config));
  switch (config.protocol) {
    case 'udp':
      return new UdpListener(config, context, guard);
    case 'tcp':
    case 'tls': {
      const listener = { config, context, tls: config.protocol === 'tls' ? contexts : undefined };
      return net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
        if (admit(socket)) new TcpSession(socket, listener);
      });
    }
    case 'https':
      if (contexts !== undefined && config.proxyProtocol === undefined) {
        // TLS is terminated here; the connection code then reads plain HTTP from the TLSSocket.
        const server = tls.createServer({ ...contexts.serverOptions(['http/1.1']), allowHalfOpen: true }, (socket) => {
          new ClientConnection(socket, context);
        });
        server.prependListener('connection', admit);
        // A failed handshake (or a socket the guard refused) is the client's problem, not the listener's.
        server.on('tlsClientError', (_error, socket) => socket.destroy());
        return server;
      }
      break;
    case 'http':
      break;
  }
  // http, and https behind a PROXY header: the header comes first, before TLS or HTTP bytes.
  const tlsOptions = config.protocol === 'https' && contexts !== undefined ? contexts.serverOptions(['http/1.1']) : undefined;
  // Half-open sockets: a client may shut its side after a request and still read the answer.
  return net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    if (!admit(socket)) return;
    const policy = preamblePolicyFor(context.snapshot.current, config);
    if (policy === undefined) {
      new ClientConnection(socket, context);
      return;
    }
    readProxyPreamble(socket, policy, peerIp(socket), (client) => {
      if (tlsOptions === undefined) {
        new ClientConnection(socket, context, client);
        return;
      }
      const secure = new tls.TLSSocket(socket, { ...tlsOptions, isServer: true });
      secure.on('error', () => secure.destroy());
      new ClientConnection(secure, context, client);
    });
  });
}


function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host, port, backlog: 1024 }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Stops accepting, closes idle keep-alive connections, lets busy ones finish their exchange (they
 * close after it, as `isShuttingDown` is set), and cuts what is left after `graceMs`.
 * Resolves with the number of connections it had to cut.
 */
async function drain(state: ListenerState, graceMs: number): Promise<number> {
  const { server, context } = state;
  // Datagrams have no exchange to finish: a udp listener just stops.
  if (server instanceof UdpListener) return server.close();
  context.isShuttingDown = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const connection of context.connections.toArray()) connection.closeIfIdle();
  const deadline = Date.now() + graceMs;
  while (context.connections.size > 0 && Date.now() < deadline) {
    // A real, ref'd timer on purpose: a process shutting down must stay alive until its drain ends.
    await new Promise<void>((resolve) => setTimeout(resolve, 25));
    for (const connection of context.connections.toArray()) connection.closeIfIdle();
  }
  const cut = context.connections.size;
  for (const connection of context.connections.toArray()) connection.destroy();
  await closed;
  return cut;
}
