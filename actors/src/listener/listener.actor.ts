// The listener actor: owns one server socket, accepts connections, and drains them on stop.
import net from 'node:net';
import tls from 'node:tls';
import { ListenerBound, ListenerClosed, ListenerFailed, defineActor, defineMessage, errorInfo, type MessageOf } from '@switchyard/core';
import type { ListenerConfig } from '@switchyard/config';
import { z } from 'zod';
import { ClientConnection } from '../proxy/client-connection.js';
import type { ListenerContext } from '../proxy/listener-context.js';
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
  server: net.Server;
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
    let server: net.Server;
    let contexts: TlsContexts | undefined;
    if (config.protocol === 'https' && config.tls !== undefined) {
      // TLS is terminated here; the connection code then reads plain HTTP from the TLSSocket.
      contexts = new TlsContexts(config.tls);
      contexts.watchFiles();
      server = tls.createServer(contexts.serverOptions(['http/1.1']), (socket) => {
        new ClientConnection(socket, context);
      });
      // A failed handshake is the client's problem, not the listener's.
      server.on('tlsClientError', (_error, socket) => socket.destroy());
    } else {
      server = net.createServer({ noDelay: true }, (socket) => {
        new ClientConnection(socket, context);
      });
    }
    // Errors after binding (EMFILE and friends) must not crash the node.
    server.on('error', () => undefined);
    return { config, context, server, tls: contexts, isBound: false };
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'listener.bind': {
        const reply = ctx.deferReply(BindListener);
        if (reply === undefined) return;
        const { host, port } = state.config.address;
        ctx.pipeToSelf(
          listen(state.server, host, port),
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
        const port = (state.server.address() as net.AddressInfo).port;
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
    if (state.server.listening) await drain(state, 0);
  },
});

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
  context.isShuttingDown = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const connection of [...context.connections]) connection.closeIfIdle();
  const deadline = Date.now() + graceMs;
  while (context.connections.size > 0 && Date.now() < deadline) {
    // A real, ref'd timer on purpose: a process shutting down must stay alive until its drain ends.
    await new Promise<void>((resolve) => setTimeout(resolve, 25));
    for (const connection of [...context.connections]) connection.closeIfIdle();
  }
  const cut = context.connections.size;
  for (const connection of [...context.connections]) connection.destroy();
  await closed;
  return cut;
}
