// `switchyard cluster status`: the cluster as one node's admin API sees it: members, link, config version, probe owners.
import type { ClusterStatus } from '@switchyard/actors';
import { ExitCode, parseFlagsAndOperands, UsageError } from '../args.js';
import { ADMIN_FLAGS, AdminRequestError, adminJson, resolveAdmin } from '../admin-client.js';
import { println, type CliIo } from '../cli-io.js';

const FLAGS = { ...ADMIN_FLAGS, json: { type: 'boolean' } } as const;

/** `GET /api/cluster`. */
export type ClusterView = ({ isClustered: true } & ClusterStatus) | { isClustered: false; node: string };

export async function clusterCommand(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { flags, operands } = parseFlagsAndOperands(args, FLAGS);
  const [sub, ...extra] = operands;
  if (sub !== 'status') throw new UsageError(sub === undefined ? 'missing subcommand (status)' : `unknown subcommand "${sub}" (status)`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] as string}"`);
  const admin = resolveAdmin(flags);
  let view: ClusterView;
  try {
    view = await adminJson<ClusterView>(admin, '/api/cluster');
  } catch (err) {
    if (!(err instanceof AdminRequestError)) throw err;
    println(io.stderr, `switchyard cluster status: ${err.message}`);
    return ExitCode.Failure;
  }
  println(io.stdout, flags.json === true ? JSON.stringify(view, null, 2) : formatClusterStatus(view));
  return ExitCode.Ok;
}

/** The human-readable report: the cluster line, one row per member, then who probes what. */
export function formatClusterStatus(view: ClusterView): string {
  if (!view.isClustered) return `node ${view.node} runs alone (no cluster: block in its config)`;
  const lines = [
    `cluster ${view.cluster}, seen from ${view.node}: ${view.members.length} member${view.members.length === 1 ? '' : 's'}, link ${view.link.status}${view.link.isUp ? '' : ' (probing every target itself)'}`,
    `cluster config version ${view.config.version}${view.config.source === undefined ? ' (the file each node started with)' : ` from ${view.config.source}`}${view.config.pending === undefined ? '' : `; proposal ${view.config.pending} pending`}`,
    `frames sent ${view.frames.sent}, received ${view.frames.received}, rejected ${view.frames.rejected}`,
    '',
  ];
  const rows: string[][] = [['NODE', 'LAST SEEN', 'STARTED', 'WORKERS', 'LISTENERS']];
  for (const m of view.members) {
    rows.push([`${m.node}${m.isSelf ? ' (self)' : ''}`, m.isSelf ? '-' : `${Math.round(m.lastSeenMs)}ms ago`, new Date(m.startedAt).toISOString(), m.workers === undefined ? '-' : String(m.workers), (m.listeners ?? []).join(',')]);
  }
  lines.push(...table(rows));
  if (view.probes.length > 0) {
    lines.push('', ...table([['UPSTREAM', 'TARGET', 'PROBED BY'], ...view.probes.map((p) => [p.upstream, p.target, p.owner])]));
  }
  return lines.join('\n');
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}
