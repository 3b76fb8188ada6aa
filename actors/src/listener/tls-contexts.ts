// The certificates of a TLS listener: secure contexts chosen by SNI, rebuilt when their files change.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { ListenerTlsConfig } from '@switchyard/config';

interface Entry {
  /** Lower-case exact names, and `.example.com` for each `*.example.com`. */
  exact: Set<string>;
  suffixes: string[];
  context: tls.SecureContext;
}

/**
 * Holds one SecureContext per configured certificate. `select(servername)` picks the certificate
 * whose `serverNames` match (exact first, then the longest wildcard), else the first one, which is
 * the default for clients that send no SNI. `watchFiles` rebuilds every context when a PEM file
 * changes, so renewed certificates are served without a reload; a broken file keeps the old ones.
 */
export class TlsContexts {
  private entries: Entry[];
  private watchers: FSWatcher[] = [];
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: Readonly<ListenerTlsConfig>,
    private readonly onReloadError: (error: Error) => void = () => undefined,
  ) {
    this.entries = build(config);
  }

  /** The context for an SNI name (undefined name: the default certificate). */
  select(servername: string | undefined): tls.SecureContext {
    const entries = this.entries;
    if (servername !== undefined && servername.length > 0) {
      const name = servername.toLowerCase();
      for (const entry of entries) if (entry.exact.has(name)) return entry.context;
      let best: Entry | undefined;
      let bestLength = 0;
      for (const entry of entries) {
        for (const suffix of entry.suffixes) {
          if (suffix.length > bestLength && name.endsWith(suffix) && name.length > suffix.length) {
            best = entry;
            bestLength = suffix.length;
          }
        }
      }
      if (best !== undefined) return best.context;
    }
    return (entries[0] as Entry).context;
  }

  /** Options for `tls.createServer`: SNI selection, minimum version, ALPN http/1.1. */
  serverOptions(alpn: readonly string[] | undefined): tls.TlsOptions {
    return {
      SNICallback: (servername, callback) => callback(null, this.select(servername)),
      secureContext: this.select(undefined),
      minVersion: this.config.minVersion,
      ...(alpn === undefined ? {} : { ALPNProtocols: [...alpn] }),
    };
  }

  watchFiles(): void {
    const dirs = new Set(this.config.certificates.flatMap((c) => [path.dirname(c.cert), path.dirname(c.key)]));
    const files = new Set(this.config.certificates.flatMap((c) => [path.basename(c.cert), path.basename(c.key)]));
    for (const dir of dirs) {
      // Watch the directory: renewals usually replace the file (rename), which a file watch misses.
      const watcher = watch(dir, (_event, filename) => {
        if (filename !== null && files.has(filename.toString())) this.scheduleReload();
      });
      watcher.on('error', (error) => this.onReloadError(error));
      this.watchers.push(watcher);
    }
  }

  /** Re-reads every certificate now; on failure keeps serving the previous ones. */
  reload(): boolean {
    try {
      this.entries = build(this.config);
      return true;
    } catch (error) {
      this.onReloadError(error as Error);
      return false;
    }
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    if (this.pending !== undefined) clearTimeout(this.pending);
  }

  private scheduleReload(): void {
    // Cert and key are often written one after the other: wait for both.
    if (this.pending !== undefined) clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.reload();
    }, 100);
  }
}

function build(config: Readonly<ListenerTlsConfig>): Entry[] {
  return config.certificates.map((certificate) => {
    const context = tls.createSecureContext({ cert: readFileSync(certificate.cert), key: readFileSync(certificate.key), minVersion: config.minVersion });
    const exact = new Set<string>();
    const suffixes: string[] = [];
    for (const raw of certificate.serverNames ?? []) {
      const name = raw.toLowerCase();
      if (name.startsWith('*.')) suffixes.push(name.slice(1));
      else exact.add(name);
    }
    return { exact, suffixes, context };
  });
}
