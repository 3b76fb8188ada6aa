// Starts throw-away HAProxy instances from a config template.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { makeTempDir } from './temp-dirs.js';
import { spawnTracked, waitForPort, type ManagedProcess } from './processes.js';
import type { RunningTarget, TargetPlacement } from './target.js';

export interface HaproxyInstance extends RunningTarget {
  dir: string;
  process: ManagedProcess;
}

export interface StartHaproxyOptions extends TargetPlacement {
  name: string;
  port: number;
  /** Sections after `global` (`defaults`, `frontend`, `backend`, …). */
  sections: string;
}

/** The `global` section every bench instance shares: one thread, so it fits on one pinned core. */
export function haproxyGlobal(): string {
  return ['global', '    nbthread 1', '    maxconn 4096'].join('\n');
}

/** Starts haproxy in the foreground (`-db`) with `sections` and waits for `port`. */
export async function startHaproxy(options: StartHaproxyOptions): Promise<HaproxyInstance> {
  const dir = makeTempDir(options.name);
  const confPath = join(dir, 'haproxy.cfg');
  writeFileSync(confPath, `${haproxyGlobal()}\n\n${options.sections}\n`);
  const proc = spawnTracked(options.name, 'haproxy', ['-db', '-f', confPath], options.cpu === undefined ? {} : { cpu: options.cpu });
  try {
    await waitForPort(options.port, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port: options.port, pid: proc.pid, dir, process: proc, stop: () => proc.stop() };
}

/** More targets for the 50-target pair, as `switchyard-50` has them. */
export interface HaproxyTargets {
  /** More ports of the same origin, each one more server of the backend (round robin). */
  extraPorts?: readonly number[];
  /**
   * HAProxy's own active check on every server: `GET /` every `intervalMs` (2 s as Switchyard's
   * default). HAProxy opens a new connection for each check and closes it after the answer.
   */
  healthCheckIntervalMs?: number | undefined;
}

/** HAProxy as an HTTP reverse proxy in front of `originPort`, keeping server connections alive and shared. */
export async function startHaproxyHttpProxy(originPort: number, placement: TargetPlacement = {}, targets: HaproxyTargets = {}): Promise<HaproxyInstance> {
  const port = await freePort();
  const check = targets.healthCheckIntervalMs === undefined ? '' : ` check inter ${targets.healthCheckIntervalMs}`;
  const servers = [originPort, ...(targets.extraPorts ?? [])].map((p, i) => `    server origin${i} 127.0.0.1:${p}${check}`).join('\n');
  const httpCheck = targets.healthCheckIntervalMs === undefined ? '' : '\n    option httpchk GET /';
  return startHaproxy({
    ...placement,
    name: 'haproxy',
    port,
    sections: `defaults
    mode http
    option http-keep-alive
    # Idle server connections are shared between client connections (close scenario included).
    http-reuse always
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 65s

frontend bench
    bind 127.0.0.1:${port}
    default_backend origin

backend origin
    balance roundrobin${httpCheck}
${servers}`,
  });
}
