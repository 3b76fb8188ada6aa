// nginx and HAProxy configured as the L4 bench's peers (stream tcp/udp/ssl, WebSocket, https) and the HTTPS origin.
import { freePort } from '../http/free-port.js';
import { startHaproxy, type HaproxyInstance } from '../http/haproxy.js';
import { httpCommon, NGINX_STREAM_MODULE, SMALL_BODY, startNginx, startNginxHttpProxy, type NginxInstance } from '../http/nginx.js';
import type { TargetPlacement } from '../http/target.js';
import { freeUdpPort } from './peers.js';

/** PEM files of the certificate every TLS server of a run uses. */
export interface CertificateFiles {
  certPath: string;
  keyPath: string;
}

/** TLS lines shared by every nginx TLS server here: the versions Switchyard accepts by default, nothing tuned. */
function sslLines(cert: CertificateFiles): string {
  return [`ssl_certificate ${cert.certPath};`, `ssl_certificate_key ${cert.keyPath};`, 'ssl_protocols TLSv1.2 TLSv1.3;'].join('\n        ');
}

/** nginx `stream` proxy: bytes relayed to `originPort`, one upstream connection per client connection. */
export async function startNginxTcpProxy(originPort: number, placement: TargetPlacement = {}): Promise<NginxInstance> {
  const port = await freePort();
  return startNginx({
    ...placement,
    name: 'nginx-stream',
    port,
    modules: [NGINX_STREAM_MODULE],
    blocks: () => `stream {
    server {
        listen 127.0.0.1:${port} backlog=4096;
        proxy_pass 127.0.0.1:${originPort};
        # Pass a client's FIN on and keep relaying the other way (nginx >= 1.21.4), as the others do.
        proxy_half_close on;
    }
}`,
  });
}

/**
 * nginx `stream` UDP proxy to `originPort`. A session per client address lasts until `proxy_timeout`
 * (no `proxy_responses`, so a flow is not ended after a reply). The returned `port` is the UDP one;
 * a TCP `return` server on another port tells when nginx is up.
 */
export async function startNginxUdpProxy(originPort: number, placement: TargetPlacement = {}): Promise<NginxInstance> {
  const udpPort = await freeUdpPort();
  const readyPort = await freePort();
  const nginx = await startNginx({
    ...placement,
    name: 'nginx-udp',
    port: readyPort,
    modules: [NGINX_STREAM_MODULE],
    blocks: () => `stream {
    server {
        listen 127.0.0.1:${udpPort} udp;
        proxy_pass 127.0.0.1:${originPort};
        proxy_timeout 30s;
    }
    server {
        listen 127.0.0.1:${readyPort};
        return "ready\\n";
    }
}`,
  });
  return { ...nginx, port: udpPort };
}

/** nginx `stream` with `listen ssl`: TLS terminated, the plain bytes relayed to `originPort`. */
export async function startNginxStreamTls(originPort: number, cert: CertificateFiles, placement: TargetPlacement = {}): Promise<NginxInstance> {
  const port = await freePort();
  return startNginx({
    ...placement,
    name: 'nginx-stream-tls',
    port,
    modules: [NGINX_STREAM_MODULE],
    blocks: () => `stream {
    server {
        listen 127.0.0.1:${port} ssl backlog=4096;
        ${sslLines(cert)}
        proxy_pass 127.0.0.1:${originPort};
        proxy_half_close on;
    }
}`,
  });
}

/** nginx as a WebSocket proxy: HTTP/1.1 upstream, Upgrade and Connection passed on. */
export async function startNginxWsProxy(originPort: number, placement: TargetPlacement = {}): Promise<NginxInstance> {
  const port = await freePort();
  return startNginx({
    ...placement,
    name: 'nginx-ws',
    port,
    blocks: (dir) => `http {
    ${httpCommon(dir)}
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' close;
    }
    server {
        listen 127.0.0.1:${port} backlog=4096;
        location / {
            proxy_pass http://127.0.0.1:${originPort};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }
    }
}`,
  });
}

/** nginx terminating HTTPS in front of the plain HTTP `originPort`, with kept-alive upstream connections. */
export function startNginxHttpsProxy(originPort: number, cert: CertificateFiles, placement: TargetPlacement = {}): Promise<NginxInstance> {
  return startNginxHttpProxy(originPort, placement, { name: 'nginx-https', serverLines: sslLines(cert) });
}

export interface HttpsOrigin extends NginxInstance {
  /** Plain HTTP port answering `/status` (stub_status: `accepts` counts every connection nginx took). */
  statusPort: number;
}

/** The HTTPS origin of the upstream-TLS bench: {@link SMALL_BODY} at `/` over TLS, long keep-alive. */
export async function startNginxHttpsOrigin(cert: CertificateFiles, placement: TargetPlacement = {}): Promise<HttpsOrigin> {
  const port = await freePort();
  const statusPort = await freePort();
  const nginx = await startNginx({
    ...placement,
    name: 'origin-https',
    port,
    blocks: (dir) => `http {
    ${httpCommon(dir)}
    server {
        listen 127.0.0.1:${port} ssl backlog=4096;
        ${sslLines(cert)}
        location = / { return 200 ${JSON.stringify(SMALL_BODY)}; }
    }
    server {
        listen 127.0.0.1:${statusPort};
        location = /status { stub_status; }
    }
}`,
  });
  return { ...nginx, statusPort };
}

/** HAProxy in `mode tcp`: one server connection per client connection, bytes relayed. */
export async function startHaproxyTcpProxy(originPort: number, placement: TargetPlacement = {}): Promise<HaproxyInstance> {
  const port = await freePort();
  return startHaproxy({
    ...placement,
    name: 'haproxy-tcp',
    port,
    sections: `defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend bench
    bind 127.0.0.1:${port}
    default_backend origin

backend origin
    server origin 127.0.0.1:${originPort}`,
  });
}
