// `switchyard status`: the node, and each upstream's targets with their state and health, from a running proxy.
import { ExitCode, parseFlags } from '../args.js';
import { ADMIN_FLAGS, AdminRequestError, adminJson, resolveAdmin } from '../admin-client.js';
import { println, type CliIo } from '../cli-io.js';

const FLAGS = { ...ADMIN_FLAGS, json: { type: 'boolean' } } as const;

/** `GET /api/node`, as far as status reads it. */
export interface NodeView {
  name: string;
  pid: number;
  version: string;
  uptimeSeconds: number;
  isReady: boolean;
  configVersion: number;
  configSource: string;
}

/** `GET /api/upstreams`, as far as status reads it. */
export interface UpstreamsView {
  upstreams: {
    name: string;
    balance: string;
    healthCheck: { type: string; intervalMs: number } | null;
    targets: { address: string; weight: number; state: string; health: { state: string; reason?: unknown; isDraining?: unknown; isEjected?: unknown; [k: string]: unknown } }[];
  }[];
}

export async function statusCommand(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(args, FLAGS);
  const admin = resolveAdmin(flags);
  let node: NodeView;
  let upstreams: UpstreamsView;
  try {
    [node, upstreams] = await Promise.all([adminJson<NodeView>(admin, '/api/node'), adminJson<UpstreamsView>(admin, '/api/upstreams')]);
  } catch (err) {
    if (!(err instanceof AdminRequestError)) throw err;
    println(io.stderr, `switchyard status: ${err.message}`);
    return ExitCode.Failure;
  }
  if (flags.json === true) {
    println(io.stdout, JSON.stringify({ node, upstreams: upstreams.upstreams }, null, 2));
    return ExitCode.Ok;
  }
  println(io.stdout, formatStatus(node, upstreams));
  return ExitCode.Ok;
}

/** The human-readable report: a node line, then one table row per target. */
export function formatStatus(node: NodeView, view: UpstreamsView): string {
  const lines = [
    `node ${node.name} (pid ${node.pid}, switchyard ${node.version}) ${node.isReady ? 'ready' : 'NOT READY (shutting down)'}, up ${duration(node.uptimeSeconds)}`,
    `config version ${node.configVersion} from ${node.configSource}`,
    '',
  ];
  if (view.upstreams.length === 0) {
    lines.push('no upstreams');
    return lines.join('\n');
  }
  const rows: string[][] = [['UPSTREAM', 'TARGET', 'WEIGHT', 'STATE', 'HEALTH', 'WHY']];
  for (const u of view.upstreams) {
    for (const t of u.targets) {
      const health = t.health ?? { state: 'unknown' };
      const state = health.isDraining === true ? 'draining' : t.state;
      const verdict = `${health.state}${health.isEjected === true ? ' (ejected)' : ''}`;
      rows.push([u.name, t.address, String(t.weight), state, verdict, typeof health.reason === 'string' ? health.reason : '']);
    }
    if (u.targets.length === 0) rows.push([u.name, '(no targets)', '', '', '', '']);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows) lines.push(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
  const checks = view.upstreams.filter((u) => u.healthCheck === null).map((u) => u.name);
  if (checks.length > 0) lines.push('', `no active health check: ${checks.join(', ')}`);
  return lines.join('\n');
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86_400)}d${Math.floor((seconds % 86_400) / 3600)}h`;
}
