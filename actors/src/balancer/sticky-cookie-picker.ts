// sticky-cookie: pin each client to a target with a cookie; round robin for clients not yet pinned.
import { hashString } from './hash.js';
import type { BalancedTarget, PickRequest } from './picker.js';
import { IndexedPicker } from './picker-support.js';
import { RoundRobinPicker } from './round-robin-picker.js';

const ID_SEED_HIGH = 0x2545f491;
const ID_SEED_LOW = 0x6c8e9cf5;

export interface StickyCookieOptions {
  /** Cookie name (an RFC 6265 token, checked by the config schema). */
  readonly name: string;
  /** Cookie lifetime in milliseconds; a session cookie when absent. */
  readonly maxAge?: number | undefined;
}

/**
 * The cookie value naming `address`: 16 hex digits of two seeded 32-bit hashes of it. Stable
 * across reloads, processes and cluster nodes (it depends on the address only), short, and it
 * does not show the internal `host:port` to clients. It is not a secret: someone who can guess
 * internal addresses can compute it, but it only lets a client choose which healthy target of
 * the upstream serves it, which any client can already do by retrying.
 */
export function stickyCookieId(address: string): string {
  const high = hashString(address, ID_SEED_HIGH).toString(16).padStart(8, '0');
  const low = hashString(address, ID_SEED_LOW).toString(16).padStart(8, '0');
  return high + low;
}

/**
 * Session affinity by cookie (HAProxy `cookie … insert`, Traefik sticky cookies): a request whose
 * cookie names a target of this picker that can take it goes there; any other request goes round
 * robin, and `stickyCookie` gives the `Set-Cookie` value that pins the client to the target it
 * got: `name=<id>; Path=/; HttpOnly`, plus `Max-Age` (seconds, rounded up so a short lifetime
 * never becomes 0, which would delete the cookie) when configured.
 *
 * Re-pinning: a cookie naming a target that is not in this picker (removed, unhealthy, ejected,
 * draining: the balancer builds pickers over available targets only) or an unknown value gets a
 * new cookie for the target chosen. A cookie naming a target that is here but could not take
 * this request (at `maxConnections`, or excluded by a retry) is not overwritten: the request is
 * served elsewhere once, and the client returns to its target, which still holds its session.
 *
 * Per pick: one `cookie()` read and one Map lookup; the Set-Cookie strings are built at
 * construction, so neither method allocates.
 */
export class StickyCookiePicker<T extends BalancedTarget> extends IndexedPicker<T> {
  private readonly cookieName: string;
  private readonly indexById: Map<string, number>;
  private readonly indexByTarget: Map<T, number>;
  private readonly ids: string[];
  private readonly setCookies: string[];
  private readonly fallback: RoundRobinPicker<T>;

  constructor(targets: readonly T[], options: StickyCookieOptions) {
    super(targets);
    this.cookieName = options.name;
    this.ids = this.targets.map((t) => stickyCookieId(t.address));
    // A 64-bit id collision inside one upstream is astronomically unlikely; if it happens, the
    // first target keeps the id and clients pinned by it land there.
    this.indexById = new Map();
    this.ids.forEach((id, i) => this.indexById.has(id) || this.indexById.set(id, i));
    this.indexByTarget = new Map(this.targets.map((t, i) => [t, i]));
    const maxAge = options.maxAge === undefined ? '' : `; Max-Age=${Math.ceil(options.maxAge / 1000)}`;
    this.setCookies = this.ids.map((id) => `${options.name}=${id}; Path=/; HttpOnly${maxAge}`);
    this.fallback = new RoundRobinPicker(this.targets);
  }

  stickyCookie(request: PickRequest, target: T): string | undefined {
    const index = this.indexByTarget.get(target);
    if (index === undefined) return undefined;
    const value = request.cookie(this.cookieName);
    // Pinned to a target that is still here (this one, or one that was busy): keep the pin.
    if (value !== undefined && this.indexById.has(value)) return undefined;
    return this.setCookies[index];
  }

  pickExcluding(request: PickRequest, excluded: readonly T[]): T | undefined {
    const value = request.cookie(this.cookieName);
    if (value !== undefined) {
      const index = this.indexById.get(value);
      if (index !== undefined && this.canTake(index, excluded)) return this.targets[index];
    }
    return this.fallback.pickExcluding(request, excluded);
  }
}
