// chocon's host-suffix routing as a script: `Host: api.example.com.ccnproxy-https` goes to https://api.example.com.
import { defineRouter } from '@switchyard/actors';

interface ChoconOptions {
  /** Host suffix → scheme towards the derived host. Default `.ccnproxy-https` → https, `.ccnproxy` → http. */
  suffixes?: Record<string, 'http' | 'https'>;
  /** Hosts that may be reached (`example.com`, `*.example.com`): an open forwarder is an SSRF hole. */
  allow: string[];
  /** Port towards the derived host; 80/443 by scheme when absent. */
  port?: number;
}

interface State {
  suffixes: [string, 'http' | 'https'][];
  exact: Set<string>;
  wildcards: string[];
}

export default defineRouter<State, ChoconOptions>({
  name: 'chocon',
  init(options) {
    const defaults: Record<string, 'http' | 'https'> = { '.ccnproxy-https': 'https', '.ccnproxy': 'http' };
    const suffixes = Object.entries(options.suffixes ?? defaults);
    // Longest suffix first, so `.ccnproxy-https` is not taken for `.ccnproxy`-something.
    suffixes.sort((a, b) => b[0].length - a[0].length);
    const allow = options.allow.map((h) => h.toLowerCase());
    return { suffixes, exact: new Set(allow.filter((h) => !h.startsWith('*.'))), wildcards: allow.filter((h) => h.startsWith('*.')).map((h) => h.slice(1)) };
  },
  decide(req, ctx) {
    for (const [suffix, scheme] of ctx.state.suffixes) {
      if (!req.host.endsWith(suffix) || req.host.length === suffix.length) continue;
      const host = req.host.slice(0, -suffix.length);
      const allowed = ctx.state.exact.has(host) || ctx.state.wildcards.some((w) => host.endsWith(w) && host.length > w.length);
      if (!allowed) {
        ctx.metrics.count('refused');
        return { kind: 'respond', status: 403, body: `host ${host} is not allowed\n` };
      }
      const port = ctx.options.port ?? (scheme === 'https' ? 443 : 80);
      return { kind: 'forward', target: `${host}:${port}`, scheme };
    }
    return { kind: 'next' };
  },
});
