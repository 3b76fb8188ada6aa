// `switchyard config push FILE`: proposes a config to the whole cluster through one node's admin API.
import path from 'node:path';
import type { RolloutResult } from '@switchyard/core';
import { readConfigInput } from '@switchyard/config';
import { ExitCode, parseFlagsAndOperands, UsageError } from '../args.js';
import { ADMIN_FLAGS, AdminRequestError, errorFromBody, resolveAdmin, type AdminTarget } from '../admin-client.js';
import { println, type CliIo } from '../cli-io.js';
import { formatProblemLine, problemsOf } from '../config-checks.js';

const FLAGS = { ...ADMIN_FLAGS, json: { type: 'boolean' } } as const;

/**
 * Reads FILE as written (YAML, JSON or a module) and posts it to `/api/config/push`: every live
 * node validates it and votes; it is applied everywhere or nowhere. Exit 0 when every node applied
 * it, 1 when it was refused (each node's reasons printed) or could not be sent.
 */
export async function configCommand(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { flags, operands } = parseFlagsAndOperands(args, FLAGS);
  const [sub, file, ...extra] = operands;
  if (sub !== 'push') throw new UsageError(sub === undefined ? 'missing subcommand (push)' : `unknown subcommand "${sub}" (push)`);
  if (file === undefined) throw new UsageError('missing the config FILE to push');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] as string}"`);
  const admin = resolveAdmin(flags);
  const abs = path.resolve(io.cwd, file);
  let raw: unknown;
  try {
    raw = await readConfigInput(abs);
  } catch (err) {
    for (const p of problemsOf(err)) println(io.stderr, formatProblemLine(abs, p));
    return ExitCode.Failure;
  }
  let answer: { status: number; body: unknown };
  try {
    answer = await postJson(admin, '/api/config/push', raw, path.basename(abs));
  } catch (err) {
    if (!(err instanceof AdminRequestError)) throw err;
    println(io.stderr, `switchyard config push: ${err.message}`);
    return ExitCode.Failure;
  }
  const { status, body } = answer;
  if (flags.json === true) println(io.stdout, JSON.stringify(body, null, 2));
  if (status === 200) {
    const result = body as Partial<RolloutResult>;
    if (flags.json !== true) {
      println(io.stdout, `pushed ${file}: cluster config version ${result.version ?? '?'} applied on ${(result.nodes ?? []).map((n) => n.node).join(', ')}${result.durationMs === undefined ? '' : ` in ${Math.round(result.durationMs)} ms`}`);
    }
    return ExitCode.Ok;
  }
  if (flags.json !== true) {
    const error = errorFromBody(status, body, admin);
    println(io.stderr, `switchyard config push: ${error.message}`);
    const nodes = (body as Partial<RolloutResult> | undefined)?.nodes;
    if (Array.isArray(nodes) && nodes.length > 0) {
      for (const n of nodes) {
        println(io.stderr, `  ${n.node}: ${n.vote}${n.applied === 'not-committed' ? '' : `, ${n.applied}`}`);
        for (const p of n.problems) println(io.stderr, `    ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
      }
    } else {
      for (const p of error.problems) println(io.stderr, `  ${p.path}: ${p.message}`);
    }
  }
  return ExitCode.Failure;
}

async function postJson(admin: AdminTarget, urlPath: string, body: unknown, source: string): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(`${admin.baseUrl}${urlPath}`, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'x-config-source': source,
        ...(admin.token === undefined ? {} : { authorization: `Bearer ${admin.token}` }),
      },
      body: JSON.stringify(body),
      // Votes, then applies: the server answers within its rollout timeouts.
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new AdminRequestError(`cannot reach the admin API at ${admin.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, undefined);
  }
  const text = await res.text();
  try {
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  } catch {
    throw new AdminRequestError(`the admin API at ${admin.baseUrl} answered ${urlPath} with something that is not JSON (status ${res.status})`, res.status);
  }
}
