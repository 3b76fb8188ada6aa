// Cross-field checks of a config whose shape is already valid: names, references, contradictions.
import type { z } from 'zod';
import type { ConfigObject, ListenerConfig } from './schema.js';
import type { Address } from './values.js';

type ConfigShape = z.output<typeof ConfigObject>;
type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

const ACTIONS = ['forward', 'forwardDynamic', 'redirect', 'respond', 'script'] as const;

/** The one `.superRefine` of the config: runs every cross-field check and reports all problems. */
export function checkConfig(cfg: ConfigShape, ctx: z.RefinementCtx): void {
  const report: Report = (path, message) => ctx.addIssue({ code: 'custom', path, message });
  checkListeners(cfg, report);
  checkUpstreams(cfg, report);
  checkRoutes(cfg, report);
  checkAdmin(cfg, report);
  checkCluster(cfg, report);
}

function known(names: Iterable<string>): string {
  const list = [...names];
  return list.length === 0 ? 'none' : list.join(', ');
}

/** Reports every second and later use of a name in a list. */
function checkUniqueNames(kind: string, section: string, items: readonly { name: string }[], report: Report): void {
  const firstIndex = new Map<string, number>();
  items.forEach((item, i) => {
    const first = firstIndex.get(item.name);
    if (first === undefined) firstIndex.set(item.name, i);
    else report([section, i, 'name'], `duplicate ${kind} name "${item.name}" (also ${section}.${first})`);
  });
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** Two sockets collide on the same transport and port when hosts are equal or either is a wildcard. Port 0 is ephemeral. */
function addressesCollide(a: Address, aUdp: boolean, b: Address, bUdp: boolean): boolean {
  if (aUdp !== bUdp || a.port !== b.port || a.port === 0) return false;
  return a.host === b.host || WILDCARD_HOSTS.has(a.host) || WILDCARD_HOSTS.has(b.host);
}

function checkListeners(cfg: ConfigShape, report: Report): void {
  checkUniqueNames('listener', 'listeners', cfg.listeners, report);
  cfg.listeners.forEach((l, i) => {
    const needsTls = l.protocol === 'https' || l.protocol === 'tls';
    if (needsTls && l.tls === undefined) {
      report(['listeners', i, 'tls'], `listener "${l.name}" uses protocol ${l.protocol} and needs tls.certificates`);
    }
    if (!needsTls && l.tls !== undefined) {
      report(['listeners', i, 'tls'], `listener "${l.name}" uses protocol ${l.protocol}; tls is only allowed with https or tls`);
    }
    for (let j = 0; j < i; j++) {
      const other = cfg.listeners[j] as ListenerConfig;
      if (addressesCollide(l.address, l.protocol === 'udp', other.address, other.protocol === 'udp')) {
        report(
          ['listeners', i, 'address'],
          `listener "${l.name}": address ${l.address.text} is already used by listener "${other.name}" (listeners.${j}, ${other.address.text})`,
        );
        break;
      }
    }
  });
}

function checkUpstreams(cfg: ConfigShape, report: Report): void {
  checkUniqueNames('upstream', 'upstreams', cfg.upstreams, report);
  cfg.upstreams.forEach((u, i) => {
    if (u.targets.length === 0) {
      report(['upstreams', i, 'targets'], `upstream "${u.name}" has no targets; add at least one`);
      return;
    }
    if (u.targets.every((t) => t.weight === 0)) {
      report(['upstreams', i, 'targets'], `upstream "${u.name}": all target weights are 0; at least one must be > 0`);
    }
    const seen = new Map<string, number>();
    u.targets.forEach((t, j) => {
      const key = `${t.address.host}:${t.address.port}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, j);
      else report(['upstreams', i, 'targets', j, 'address'], `upstream "${u.name}": target ${t.address.text} is listed twice (also targets.${first})`);
    });
  });
}

function checkRoutes(cfg: ConfigShape, report: Report): void {
  checkUniqueNames('route', 'routes', cfg.routes, report);
  const upstreamNames = new Set(cfg.upstreams.map((u) => u.name));
  const listenerNames = new Set(cfg.listeners.map((l) => l.name));
  const unknownUpstream = (name: string) => `unknown upstream "${name}" (known: ${known(upstreamNames)})`;

  cfg.routes.forEach((r, i) => {
    const actions = ACTIONS.filter((a) => r[a] !== undefined);
    if (actions.length === 0) {
      report(['routes', i], `route "${r.name}" has no action; set exactly one of ${ACTIONS.join(', ')}`);
    } else if (actions.length > 1) {
      report(['routes', i], `route "${r.name}" has several actions (${actions.join(', ')}); set exactly one`);
    }

    r.listeners?.forEach((name, j) => {
      if (!listenerNames.has(name)) report(['routes', i, 'listeners', j], `unknown listener "${name}" (known: ${known(listenerNames)})`);
    });

    const fwd = r.forward;
    if (fwd !== undefined && 'upstream' in fwd) {
      if (!upstreamNames.has(fwd.upstream)) report(['routes', i, 'forward', 'upstream'], unknownUpstream(fwd.upstream));
    } else if (fwd !== undefined) {
      const seen = new Set<string>();
      fwd.upstreams.forEach((w, j) => {
        if (!upstreamNames.has(w.upstream)) report(['routes', i, 'forward', 'upstreams', j, 'upstream'], unknownUpstream(w.upstream));
        if (seen.has(w.upstream)) report(['routes', i, 'forward', 'upstreams', j, 'upstream'], `route "${r.name}": upstream "${w.upstream}" is listed twice`);
        seen.add(w.upstream);
      });
      if (fwd.upstreams.every((w) => w.weight === 0)) {
        report(['routes', i, 'forward', 'upstreams'], `route "${r.name}": all upstream weights are 0; at least one must be > 0`);
      }
    }

    if (r.forwardDynamic?.tls !== undefined && r.forwardDynamic.scheme !== 'https') {
      report(['routes', i, 'forwardDynamic', 'tls'], `route "${r.name}": forwardDynamic.tls needs scheme https`);
    }
    if (r.replacePrefix !== undefined && r.stripPrefix === undefined) {
      report(['routes', i, 'replacePrefix'], `route "${r.name}": replacePrefix needs stripPrefix (the prefix it replaces)`);
    }
  });
}

function checkAdmin(cfg: ConfigShape, report: Report): void {
  if (cfg.admin === undefined) return;
  const admin = cfg.admin.address;
  const clash = cfg.listeners.find((l) => addressesCollide(admin, false, l.address, l.protocol === 'udp'));
  if (clash !== undefined) {
    report(['admin', 'address'], `admin address ${admin.text} is already used by listener "${clash.name}" (${clash.address.text})`);
  }
}

function checkCluster(cfg: ConfigShape, report: Report): void {
  const nats = cfg.cluster?.nats;
  if (nats === undefined) return;
  if (nats.token !== undefined && (nats.user !== undefined || nats.pass !== undefined)) {
    report(['cluster', 'nats', 'token'], 'cluster.nats: use either token or user/pass, not both');
  }
  if ((nats.user === undefined) !== (nats.pass === undefined)) {
    report(['cluster', 'nats', nats.user === undefined ? 'user' : 'pass'], 'cluster.nats: user and pass go together');
  }
}
