// Parses an event stream's query (`?type=request.*&status=5xx&client=10.0.0.0/8&sample=0.1`) into a filter.
import { BlockList, isIP } from 'node:net';
import { parseCidr } from '@switchyard/config';

/** One thing wrong with a query parameter. */
export interface FilterProblem {
  path: string;
  message: string;
}

/** What one event looks like to a filter: its own fields, completed by what is known of its request and connection. */
export interface EventFacts {
  readonly type: string;
  readonly listener: string | undefined;
  readonly clientAddress: string | undefined;
  readonly route: string | undefined;
  readonly upstream: string | undefined;
  readonly target: string | undefined;
  readonly status: number | undefined;
  /** The key sampling hashes: the request id, else the connection id, else none (always kept). */
  readonly sampleKey: string | undefined;
}

/** The fields a filter may ask about that an event does not always carry itself. */
export const FieldFilter = {
  listener: 'listener',
  client: 'client',
  route: 'route',
  upstream: 'upstream',
  target: 'target',
  status: 'status',
} as const;
export type FieldFilter = (typeof FieldFilter)[keyof typeof FieldFilter];

/** The query parameters a stream accepts. `access_token` is the RFC 6750 §2.3 way for browsers to authenticate. */
const KNOWN_PARAMS = new Set(['type', 'listener', 'route', 'upstream', 'target', 'status', 'client', 'sample', 'scope', 'access_token']);

/** `node`: this node's events (the default); `cluster`: every node's, each tagged with its node. */
export type EventScope = 'node' | 'cluster';

const TYPE_PATTERN = /^(?:\*|[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)*(?:\.\*)?)$/;

interface StatusMatch {
  /** Inclusive range: `5xx` is 500..599, `404` is 404..404. */
  min: number;
  max: number;
}

/**
 * A parsed subscription filter. Lists inside one parameter are ORed (`status=4xx,5xx`), parameters
 * are ANDed. A field filter keeps an event only when the field's value is known (from the event,
 * or from earlier events of the same request or connection) and matches: `route=api` keeps
 * `request.routed` onwards but not the `request.received` before it, which is not routed yet.
 */
export class EventFilter {
  /** Exact types asked for (`conn.opened`). */
  readonly exactTypes: ReadonlySet<string>;
  /** Prefixes asked for (`request.*` → `request.`; `*` → `''`). */
  readonly prefixes: readonly string[];
  readonly listeners: ReadonlySet<string> | undefined;
  readonly routes: ReadonlySet<string> | undefined;
  readonly upstreams: ReadonlySet<string> | undefined;
  readonly targets: ReadonlySet<string> | undefined;
  readonly statuses: readonly StatusMatch[] | undefined;
  readonly clients: BlockList | undefined;
  /** Fraction of requests kept, 0..1; 1 keeps everything. */
  readonly sample: number;
  /** Whose events: this node's, or the whole cluster's. */
  readonly scope: EventScope;
  /** The field filters set, so the stream knows which facts it must track. */
  readonly fields: ReadonlySet<FieldFilter>;
  /** True when the type alone decides (no field filter, no sampling): `wantsType` is the whole match. */
  readonly isTypeOnly: boolean;

  private constructor(parts: {
    exactTypes: Set<string>;
    prefixes: string[];
    listeners?: Set<string>;
    routes?: Set<string>;
    upstreams?: Set<string>;
    targets?: Set<string>;
    statuses?: StatusMatch[];
    clients?: BlockList;
    sample: number;
    scope?: EventScope;
  }) {
    this.exactTypes = parts.exactTypes;
    this.prefixes = parts.prefixes;
    this.listeners = parts.listeners;
    this.routes = parts.routes;
    this.upstreams = parts.upstreams;
    this.targets = parts.targets;
    this.statuses = parts.statuses;
    this.clients = parts.clients;
    this.sample = parts.sample;
    this.scope = parts.scope ?? 'node';
    const fields = new Set<FieldFilter>();
    if (parts.listeners !== undefined) fields.add('listener');
    if (parts.clients !== undefined) fields.add('client');
    if (parts.routes !== undefined) fields.add('route');
    if (parts.upstreams !== undefined) fields.add('upstream');
    if (parts.targets !== undefined) fields.add('target');
    if (parts.statuses !== undefined) fields.add('status');
    this.fields = fields;
    this.isTypeOnly = fields.size === 0 && this.sample >= 1;
  }

  /**
   * Parses URL query parameters. Each parameter may repeat and may hold a comma-separated list.
   * @returns the filter, or every problem found (unknown parameter, bad CIDR, sample out of range...).
   * @example
   * EventFilter.parse(new URLSearchParams('type=request.*,conn.opened&status=5xx&client=10.0.0.0/8'));
   */
  static parse(query: URLSearchParams): { ok: true; filter: EventFilter } | { ok: false; problems: FilterProblem[] } {
    const problems: FilterProblem[] = [];
    for (const key of new Set(query.keys())) {
      if (!KNOWN_PARAMS.has(key)) problems.push({ path: key, message: `unknown parameter "${key}" (allowed: ${[...KNOWN_PARAMS].join(', ')})` });
    }
    const list = (name: string): string[] | undefined => {
      const values = query.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
      return values.length === 0 ? undefined : values;
    };

    const exactTypes = new Set<string>();
    const prefixes: string[] = [];
    const types = list('type');
    if (types === undefined) prefixes.push('');
    for (const t of types ?? []) {
      if (!TYPE_PATTERN.test(t)) {
        problems.push({ path: 'type', message: `invalid type "${t}": use an exact type (request.completed) or a prefix (request.*, *)` });
      } else if (t === '*') prefixes.push('');
      else if (t.endsWith('.*')) prefixes.push(t.slice(0, -1));
      else exactTypes.add(t);
    }

    const statuses = list('status')?.flatMap((s): StatusMatch[] => {
      const cls = /^([1-5])xx$/i.exec(s);
      if (cls !== null) return [{ min: Number(cls[1]) * 100, max: Number(cls[1]) * 100 + 99 }];
      if (/^[1-5]\d\d$/.test(s)) return [{ min: Number(s), max: Number(s) }];
      problems.push({ path: 'status', message: `invalid status "${s}": use a class (5xx) or a code (404)` });
      return [];
    });

    let clients: BlockList | undefined;
    const cidrs = list('client');
    if (cidrs !== undefined) {
      clients = new BlockList();
      for (const text of cidrs) {
        const cidr = parseCidr(text);
        if (cidr === undefined) {
          problems.push({ path: 'client', message: `invalid CIDR "${text}": use e.g. 10.0.0.0/8, ::1/128 or an IP` });
          continue;
        }
        const slash = cidr.indexOf('/');
        const ip = cidr.slice(0, slash);
        clients.addSubnet(ip, Number(cidr.slice(slash + 1)), isIP(ip) === 6 ? 'ipv6' : 'ipv4');
      }
    }

    let sample = 1;
    const sampleText = query.get('sample');
    if (sampleText !== null) {
      sample = Number(sampleText);
      if (sampleText.trim() === '' || !Number.isFinite(sample) || sample < 0 || sample > 1) {
        problems.push({ path: 'sample', message: `invalid sample "${sampleText}": use a fraction from 0 to 1, e.g. 0.1` });
        sample = 1;
      }
    }

    const scopeText = query.get('scope');
    if (scopeText !== null && scopeText !== 'node' && scopeText !== 'cluster') {
      problems.push({ path: 'scope', message: `invalid scope "${scopeText}": use node (this node's events) or cluster (every node's)` });
    }
    const scope: EventScope = scopeText === 'cluster' ? 'cluster' : 'node';

    if (problems.length !== 0) return { ok: false, problems };
    const asSet = (name: string): Set<string> | undefined => {
      const values = list(name);
      return values === undefined ? undefined : new Set(values);
    };
    const listeners = asSet('listener');
    const routes = asSet('route');
    const upstreams = asSet('upstream');
    const targets = asSet('target');
    return {
      ok: true,
      filter: new EventFilter({
        exactTypes,
        prefixes,
        sample,
        scope,
        ...(listeners === undefined ? {} : { listeners }),
        ...(routes === undefined ? {} : { routes }),
        ...(upstreams === undefined ? {} : { upstreams }),
        ...(targets === undefined ? {} : { targets }),
        ...(statuses === undefined ? {} : { statuses }),
        ...(clients === undefined ? {} : { clients }),
      }),
    };
  }

  /** True when this filter asks for events of `type` (before field filters and sampling). */
  wantsType(type: string): boolean {
    if (this.exactTypes.has(type)) return true;
    for (const prefix of this.prefixes) if (type.startsWith(prefix)) return true;
    return false;
  }

  /** True when the event passes type, field filters and sampling. */
  matches(facts: EventFacts): boolean {
    if (!this.wantsType(facts.type)) return false;
    if (this.listeners !== undefined && (facts.listener === undefined || !this.listeners.has(facts.listener))) return false;
    if (this.routes !== undefined && (facts.route === undefined || !this.routes.has(facts.route))) return false;
    if (this.upstreams !== undefined && (facts.upstream === undefined || !this.upstreams.has(facts.upstream))) return false;
    if (this.targets !== undefined && (facts.target === undefined || !this.targets.has(facts.target))) return false;
    if (this.statuses !== undefined && !statusMatches(this.statuses, facts.status)) return false;
    if (this.clients !== undefined && !clientMatches(this.clients, facts.clientAddress)) return false;
    if (this.sample < 1 && facts.sampleKey !== undefined && !isSampledIn(facts.sampleKey, this.sample)) return false;
    return true;
  }
}

function statusMatches(statuses: readonly StatusMatch[], status: number | undefined): boolean {
  if (status === undefined) return false;
  for (const s of statuses) if (status >= s.min && status <= s.max) return true;
  return false;
}

function clientMatches(clients: BlockList, address: string | undefined): boolean {
  if (address === undefined) return false;
  // An IPv4 client on a dual-stack socket reads `::ffff:10.1.2.3`; match it against the IPv4 CIDRs.
  const ip = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(ip);
  if (family === 0) return false;
  return clients.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Deterministic sampling: the same key is always in or always out at a given fraction, so every
 * event of one request is kept or dropped together, on every stream and every node. FNV-1a, 32 bits.
 */
export function isSampledIn(key: string, fraction: number): boolean {
  if (fraction >= 1) return true;
  if (fraction <= 0) return false;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000 < fraction;
}
