// The fields sent to the client: the upstream's, minus hop-by-hop ones, with URLs mapped back.
import { filterHopByHop, type ResponseHead } from '../http/index.js';
import { headerNameEquals, type CompiledRoute } from '../router/index.js';
import { VIA_PSEUDONYM } from './request-fields.js';

const VIA_11 = `1.1 ${VIA_PSEUDONYM}`;

export interface ClientResponseFacts {
  route: CompiledRoute;
  /** Origins of the upstream as the proxy addressed it (target and Host sent). */
  upstreamOrigins: readonly string[];
  /** `scheme://host[:port]` the client used. */
  clientOrigin: string;
  isViaEnabled: boolean;
  requestIdHeader: string;
  requestId: string;
  /** 'close' or 'keep-alive' (for HTTP/1.0 clients), or undefined to add none. */
  connection: string | undefined;
  /** A sticky-cookie pin to set, when the balancer asked for one. */
  stickyCookie?: string | undefined;
}

/**
 * Rewrites Location, Content-Location and Refresh back to the client-facing URL (ProxyPassReverse)
 * and Set-Cookie attributes when the route asks, appends Via, echoes the request id.
 */
export function buildClientFields(head: ResponseHead, facts: ClientResponseFacts): string[] {
  const fields = filterHopByHop(head.headers, head.connectionTokens);
  const route = facts.route;
  const locations = route.rewriteLocation;
  const cookies = route.rewriteCookie;
  let hasRequestId = false;
  let viaIndex = -1;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    switch (name.length) {
      case 8:
        if (locations !== undefined && headerNameEquals(name, 'location')) {
          fields[i + 1] = locations.location(fields[i + 1] as string, facts.upstreamOrigins, facts.clientOrigin);
        }
        break;
      case 7:
        if (locations !== undefined && headerNameEquals(name, 'refresh')) {
          fields[i + 1] = locations.refresh(fields[i + 1] as string, facts.upstreamOrigins, facts.clientOrigin);
        }
        break;
      case 16:
        if (locations !== undefined && headerNameEquals(name, 'content-location')) {
          fields[i + 1] = locations.location(fields[i + 1] as string, facts.upstreamOrigins, facts.clientOrigin);
        }
        break;
      case 10:
        if (cookies !== undefined && headerNameEquals(name, 'set-cookie')) fields[i + 1] = cookies.rewrite(fields[i + 1] as string);
        break;
      case 3:
        if (headerNameEquals(name, 'via')) viaIndex = i + 1;
        break;
    }
    if (name.length === facts.requestIdHeader.length && headerNameEquals(name, facts.requestIdHeader)) hasRequestId = true;
  }
  if (facts.isViaEnabled) {
    if (viaIndex >= 0) fields[viaIndex] = `${fields[viaIndex] as string}, ${VIA_11}`;
    else fields.push('Via', VIA_11);
  }
  if (!hasRequestId) fields.push(facts.requestIdHeader, facts.requestId);
  if (facts.stickyCookie !== undefined) fields.push('Set-Cookie', facts.stickyCookie);
  if (facts.connection !== undefined) fields.push('Connection', facts.connection);
  return fields;
}
