// `switchyard demo`: the embedded default config with its two origins, started here, ready to curl.
import type { ProxyNode } from '@switchyard/actors';
import { embeddedDefaultConfig, loadConfig, type Config, type ConfigInput } from '@switchyard/config';
import { ExitCode, parseFlags, parsePort, UsageError } from '../args.js';
import { AccessLogController } from '../access-log-controller.js';
import { println, type CliIo } from '../cli-io.js';
import { DEMO_ORIGINS, startDemoOrigin, type DemoOrigin } from '../demo-origins.js';
import { defaultRunDeps, listeningAnnouncer, parseGraceMs, type RunDeps } from './run.command.js';
import { serveUntilSignalled } from '../serve.js';

const FLAGS = {
  port: { type: 'string' },
  'origin-ports': { type: 'string' },
  grace: { type: 'string' },
} as const;

/** Where the demo listens and where its origins go, from the embedded default unless overridden. */
export interface DemoPlan {
  proxyHost: string;
  proxyPort: number;
  origins: { name: string; body: string; host: string; port: number }[];
}

/** Reads the demo's addresses off the embedded default config, so the two never disagree. */
export function demoPlan(proxyPort?: number, originPorts?: readonly number[]): DemoPlan {
  const base = loadConfig(embeddedDefaultConfig);
  const listener = base.listeners[0];
  const targets = base.upstreams[0]?.targets ?? [];
  if (listener === undefined || targets.length !== DEMO_ORIGINS.length) {
    throw new Error(`the embedded default config must have one listener and ${DEMO_ORIGINS.length} targets for the demo`);
  }
  return {
    proxyHost: listener.address.host,
    proxyPort: proxyPort ?? listener.address.port,
    origins: DEMO_ORIGINS.map((o, i) => {
      const target = targets[i] as (typeof targets)[number];
      return { name: o.name, body: o.body, host: target.address.host, port: originPorts?.[i] ?? target.address.port };
    }),
  };
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The embedded default with the proxy and origin addresses the demo actually uses. */
export function demoConfig(proxyHost: string, proxyPort: number, origins: readonly { host: string; port: number }[]): Readonly<Config> {
  const input: ConfigInput = {
    ...embeddedDefaultConfig,
    listeners: embeddedDefaultConfig.listeners.map((l, i) => (i === 0 ? { ...l, address: hostPort(proxyHost, proxyPort) } : l)),
    upstreams: (embeddedDefaultConfig.upstreams ?? []).map((u, i) =>
      i === 0
        ? { ...u, targets: origins.map((o, k) => ({ ...u.targets[k], address: hostPort(o.host, o.port) })) }
        : u,
    ),
  };
  return loadConfig(input);
}

function isPortTaken(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

function parseOriginPorts(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== DEMO_ORIGINS.length) {
    throw new UsageError(`--origin-ports expects ${DEMO_ORIGINS.length} ports separated by a comma, e.g. 8081,8082; got "${text}"`);
  }
  return parts.map((p) => parsePort('--origin-ports', p));
}

export async function demoCommand(args: readonly string[], io: CliIo, deps: Pick<RunDeps, 'startNode' | 'createLogger'> = defaultRunDeps): Promise<ExitCode> {
  const flags = parseFlags(args, FLAGS);
  const graceMs = parseGraceMs(flags.grace ?? '2s');
  const plan = demoPlan(
    flags.port === undefined ? undefined : parsePort('--port', flags.port),
    flags['origin-ports'] === undefined ? undefined : parseOriginPorts(flags['origin-ports']),
  );
  const logger = deps.createLogger('info');

  const origins: DemoOrigin[] = [];
  const closeOrigins = async (): Promise<void> => {
    await Promise.all(origins.map((o) => o.close()));
  };
  try {
    for (const o of plan.origins) origins.push(await startDemoOrigin(o.name, o.body, o.host, o.port));
  } catch (err) {
    logger.error({ err }, `a demo origin could not start${isPortTaken(err) ? ': the port is taken, try --origin-ports' : ''}`);
    await closeOrigins();
    return ExitCode.Failure;
  }

  const config = demoConfig(plan.proxyHost, plan.proxyPort, origins);
  let node: ProxyNode;
  try {
    node = await deps.startNode(config, { logger, nodeName: 'demo' });
  } catch (err) {
    logger.error({ err }, `the proxy could not start${isPortTaken(err) ? ': the port is taken, try --port' : ''}`);
    await closeOrigins();
    return ExitCode.Failure;
  }
  const accessLog = new AccessLogController({ bus: node.bus, logger });
  accessLog.start(config.server.accessLog);
  listeningAnnouncer(logger, node, 'demo')();

  const bound = node.listeners()[0];
  const url = `http://${hostPort(bound?.host ?? plan.proxyHost, bound?.port ?? plan.proxyPort)}/`;
  println(
    io.stdout,
    [
      'Switchyard demo',
      `  proxy    ${url}  (round-robin over two origins)`,
      `  origins  ${origins.map((o) => `${o.name} on ${hostPort(o.host, o.port)}`).join(', ')}`,
      '',
      'Try it twice: the answers alternate between "Hello world!" and "Howdy world!"',
      `  curl -s ${url}`,
      `  curl -s ${url}`,
      `  curl -si ${url}   # shows the x-origin header`,
      '',
      'Access log lines follow; application logs go to stderr. Ctrl-C stops.',
    ].join('\n'),
  );

  return serveUntilSignalled({
    io,
    node,
    logger,
    graceMs,
    onReopenLogs: () => accessLog.reopen(),
    afterClose: async () => {
      await accessLog.close();
      await closeOrigins();
    },
  });
}
