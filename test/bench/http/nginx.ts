// Starts throw-away nginx instances (origin, HTTP proxy, and later stream proxies) from templates.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, freePorts } from './free-port.js';
import { makeTempDir } from './temp-dirs.js';
import { spawnTracked, waitForPort, type ManagedProcess } from './processes.js';
import type { RunningTarget, TargetPlacement } from './target.js';

/** Body served by the origin at `/`. */
export const SMALL_BODY = 'Hello world!\n';
/** Size of the body served by the origin at `/64k`. */
export const LARGE_BODY_BYTES = 64 * 1024;

/** Debian's dynamic stream module (libnginx-mod-stream), for stream {} configs. */
export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export interface NginxInstance extends RunningTarget {
  /** The prefix directory holding conf, logs and temp files. */
  dir: string;
  process: ManagedProcess;
}

export interface StartNginxOptions extends TargetPlacement {
  /** Short label for temp dir and messages, e.g. `origin` or `nginx-proxy`. */
  name: string;
  /** Port the config listens on; the start waits until it accepts connections. */
  port: number;
  /** Top-level blocks (`http { … }`, `stream { … }`), given the prefix dir. */
  blocks: (dir: string) => string;
  /** Absolute paths of dynamic modules to load (e.g. {@link NGINX_STREAM_MODULE}). */
  modules?: readonly string[];
}

/**
 * The common part of every bench config: one process, no daemon, and every file nginx
 * writes (pid, logs, temp paths) inside `dir`, so nothing touches /var or /run.
 */
export function nginxConf(dir: string, blocks: string, modules: readonly string[] = []): string {
  return [
    ...modules.map((m) => `load_module ${m};`),
    'daemon off;',
    // One process: the pid we track and pin is the one that serves.
    'master_process off;',
    'worker_processes 1;',
    'worker_rlimit_nofile 16384;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 4096; }',
    blocks,
    '',
  ].join('\n');
}

/** The `http {}` lines every HTTP instance shares: no access log, temp paths in `dir`. */
export function httpCommon(dir: string): string {
  return [
    'access_log off;',
    'default_type application/octet-stream;',
    `client_body_temp_path ${dir}/tmp/client_body;`,
    `proxy_temp_path ${dir}/tmp/proxy;`,
    `fastcgi_temp_path ${dir}/tmp/fastcgi;`,
    `uwsgi_temp_path ${dir}/tmp/uwsgi;`,
    `scgi_temp_path ${dir}/tmp/scgi;`,
    // wrk keeps its connections for the whole run; do not let nginx recycle them mid-run.
    'keepalive_requests 100000000;',
    'keepalive_timeout 65s;',
  ].join('\n    ');
}

/** Starts nginx with `blocks` in a fresh prefix dir and waits for `port`. */
export async function startNginx(options: StartNginxOptions): Promise<NginxInstance> {
  const dir = makeTempDir(options.name);
  mkdirSync(join(dir, 'tmp'));
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, nginxConf(dir, options.blocks(dir), options.modules));
  // -e: error log before the config is read (the default /var/log path may not be writable).
  const args = ['-p', `${dir}/`, '-e', join(dir, 'error.log'), '-c', confPath];
  const proc = spawnTracked(options.name, 'nginx', args, options.cpu === undefined ? {} : { cpu: options.cpu });
  try {
    await waitForPort(options.port, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port: options.port, pid: proc.pid, dir, process: proc, stop: () => proc.stop() };
}

/**
 * The origin every HTTP bench proxies to: {@link SMALL_BODY} at `/`, {@link LARGE_BODY_BYTES} at `/64k`,
 * on `port` and on `extraPortCount` more ports. All ports are chosen in one freePorts call: ports
 * chosen one at a time can repeat (each probe socket is closed before the next is opened), which
 * made nginx refuse a duplicate listen.
 */
export async function startNginxOrigin(placement: TargetPlacement = {}, extraPortCount = 0): Promise<NginxInstance & { extraPorts: readonly number[] }> {
  const [port = 0, ...extraPorts] = await freePorts(1 + extraPortCount);
  // Extra listening ports let one origin stand for many targets (the 50-target health bench).
  const extraListens = extraPorts.map((p) => `listen 127.0.0.1:${p} backlog=4096;`).join('\n        ');
  const origin = await startNginx({
    ...placement,
    name: 'origin',
    port,
    blocks: (dir) => {
      const www = join(dir, 'www');
      mkdirSync(www);
      writeFileSync(join(www, '64k'), Buffer.alloc(LARGE_BODY_BYTES, 'x'));
      return `http {
    ${httpCommon(dir)}
    sendfile on;
    tcp_nopush on;
    open_file_cache max=16;
    server {
        listen 127.0.0.1:${port} backlog=4096;
        ${extraListens}
        root ${www};
        location = / { return 200 ${JSON.stringify(SMALL_BODY)}; }
        location = /64k { }
    }
}`;
    },
  });
  return Object.assign(origin, { extraPorts });
}

/**
 * nginx as a keep-alive HTTP/1.1 reverse proxy in front of `originPort`. `tls` adds `ssl` to the
 * listen line and the certificate lines to the server (the HTTPS bench terminates TLS with it).
 */
export async function startNginxHttpProxy(
  originPort: number,
  placement: TargetPlacement = {},
  tls?: { name: string; serverLines: string },
): Promise<NginxInstance> {
  const port = await freePort();
  return startNginx({
    ...placement,
    name: tls?.name ?? 'nginx-proxy',
    port,
    blocks: (dir) => `http {
    ${httpCommon(dir)}
    upstream origin {
        server 127.0.0.1:${originPort};
        keepalive 64;
        keepalive_requests 100000000;
    }
    server {
        listen 127.0.0.1:${port}${tls === undefined ? '' : ' ssl'} backlog=4096;
        ${tls?.serverLines ?? ''}
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            # Drop the client's hop-by-hop Connection header so upstream connections stay pooled.
            proxy_set_header Connection "";
        }
    }
}`,
  });
}
