// `switchyard drain TARGET`: take a target out of rotation (or put it back) on a running proxy.
import { ExitCode, parseFlagsAndOperands, UsageError } from '../args.js';
import { ADMIN_FLAGS, AdminRequestError, adminJson, resolveAdmin } from '../admin-client.js';
import { println, type CliIo } from '../cli-io.js';
import type { UpstreamsView } from './status.command.js';

const FLAGS = {
  ...ADMIN_FLAGS,
  upstream: { type: 'string', short: 'u' },
  undo: { type: 'boolean' },
} as const;

/**
 * Drains `host:port` (or `upstream/host:port`) in every upstream that lists it, or only in
 * `--upstream`. `--undo` puts it back in rotation. Exit 1 when no upstream has it or the proxy refuses.
 */
export async function drainCommand(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { flags, operands } = parseFlagsAndOperands(args, FLAGS);
  if (operands.length !== 1) throw new UsageError(operands.length === 0 ? 'which target? e.g. switchyard drain 10.0.0.5:8080' : `one target at a time, got ${operands.length}`);
  let target = operands[0] as string;
  let upstream = flags.upstream;
  const slash = target.indexOf('/');
  if (slash > 0) {
    if (upstream !== undefined && upstream !== target.slice(0, slash)) throw new UsageError(`--upstream ${upstream} contradicts ${target}`);
    upstream = target.slice(0, slash);
    target = target.slice(slash + 1);
  }
  const admin = resolveAdmin(flags);
  const action = flags.undo === true ? 'undrain' : 'drain';
  try {
    const view = await adminJson<UpstreamsView>(admin, '/api/upstreams');
    const holders = view.upstreams.filter((u) => (upstream === undefined || u.name === upstream) && u.targets.some((t) => t.address === target)).map((u) => u.name);
    if (holders.length === 0) {
      println(io.stderr, `switchyard drain: no target ${target}${upstream === undefined ? ' in any upstream' : ` in upstream "${upstream}"`}`);
      return ExitCode.Failure;
    }
    for (const name of holders) {
      const result = await adminJson<Record<string, unknown>>(admin, `/api/targets/${encodeURIComponent(name)}/${encodeURIComponent(target)}/${action}`, { method: 'POST' });
      const state = typeof result?.['state'] === 'string' ? result['state'] : action === 'drain' ? 'draining' : 'active';
      println(io.stdout, `${name}/${target}: ${state}`);
    }
    return ExitCode.Ok;
  } catch (err) {
    if (!(err instanceof AdminRequestError)) throw err;
    println(io.stderr, `switchyard drain: ${err.message}`);
    return ExitCode.Failure;
  }
}
