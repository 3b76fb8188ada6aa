// Multi-tenant routing by source network: the client address (after PROXY protocol / trusted XFF) picks the tenant.
import { defineRouter } from '@switchyard/actors';

interface TenantOptions {
  /** First match wins: IPv4 CIDR → tenant name and upstream. */
  tenants: { cidr: string; tenant: string; upstream: string }[];
  /** Upstream for everyone else; without it, other clients go to the next route. */
  fallbackUpstream?: string;
}

interface Net {
  base: number;
  mask: number;
  tenant: string;
  upstream: string;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    const n = Number(part);
    if (!/^\d{1,3}$/.test(part) || n > 255) return undefined;
    value = value * 256 + n;
  }
  return value >>> 0;
}

export default defineRouter<Net[], TenantOptions>({
  name: 'tenant-cidr',
  // Parsed once per (re)start, not per request.
  init(options) {
    return options.tenants.map((t) => {
      const [address = '', bits = '32'] = t.cidr.split('/');
      const base = ipv4(address);
      const prefix = Number(bits);
      if (base === undefined || !(prefix >= 0 && prefix <= 32)) throw new Error(`bad CIDR ${t.cidr}`);
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      return { base: (base & mask) >>> 0, mask, tenant: t.tenant, upstream: t.upstream };
    });
  },
  decide(req, ctx) {
    const client = ipv4(req.clientAddress.startsWith('::ffff:') ? req.clientAddress.slice(7) : req.clientAddress);
    const net = client === undefined ? undefined : ctx.state.find((n) => ((client & n.mask) >>> 0) === n.base);
    if (net !== undefined) return { kind: 'forward', upstream: net.upstream, setHeaders: { 'x-tenant': net.tenant } };
    const fallback = ctx.options.fallbackUpstream;
    return fallback === undefined ? { kind: 'next' } : { kind: 'forward', upstream: fallback, removeHeaders: ['x-tenant'] };
  },
});
