// The request path rewrite of a route (stripPrefix / replacePrefix) and its inverse for responses.
import { normalizePathEscapes } from './path-matcher.js';

/** Rewrites the path sent upstream. Never returns ''. */
export type PathRewrite = (path: string) => string;

/** The shared rewrite of every route without stripPrefix: the path unchanged. */
export const identityPathRewrite: PathRewrite = (path) => path;

/** A prefix without its trailing '/', so `/api` and `/api/` mean the same; `/` becomes ''. */
function trimPrefix(p: string): string {
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === 0x2f) end--;
  return end === p.length ? p : p.slice(0, end);
}

/** Whether `path` starts with `prefix` (no trailing '/') and the prefix ends at a segment boundary. */
function hasSegmentPrefix(path: string, prefix: string): boolean {
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 0x2f);
}

/**
 * The mapping between the client's path space and the upstream's:
 * - forward (`apply`): the `stripPrefix` is removed only where it ends at a segment boundary
 *   (`/api` strips `/api` and `/api/x`, not `/apix`, which is forwarded unchanged); `replacePrefix`,
 *   when given, is put in its place. A trailing '/' on either prefix is ignored, and `/` as
 *   stripPrefix strips nothing (so `replacePrefix` then just adds a prefix). The result is never
 *   empty: `/api` stripped is `/`. `/api/` stripped is `/` too, `/api/x/` keeps its trailing '/'.
 * - reverse (`invert`, for Location headers): a path under `replacePrefix` (at a segment boundary)
 *   gets `stripPrefix` back in its place; without replacePrefix, `stripPrefix` is put in front of any
 *   path. A path outside `replacePrefix` is left as it is.
 * The stripPrefix is compared with the normalized request path, so its `%XX` are normalized at load.
 * @example
 * new PrefixMapping('/api', '/v2').apply('/api/users') // '/v2/users'
 * new PrefixMapping('/api', '/v2').invert('/v2/users') // '/api/users'
 */
export class PrefixMapping {
  /** stripPrefix without trailing '/' ('' for '/'). */
  readonly strip: string;
  /** replacePrefix without trailing '/' ('' when absent or '/'). */
  readonly replace: string;
  /** `apply`, bound once so that routes can hand it out as a plain function. */
  readonly rewrite: PathRewrite;

  constructor(stripPrefix: string, replacePrefix?: string) {
    this.strip = trimPrefix(normalizePathEscapes(stripPrefix));
    this.replace = replacePrefix === undefined ? '' : trimPrefix(replacePrefix);
    this.rewrite = (path) => this.apply(path);
  }

  /** Client path → upstream path. */
  apply(path: string): string {
    const strip = this.strip;
    if (!hasSegmentPrefix(path, strip)) return path;
    const rest = strip.length === 0 ? path : path.slice(strip.length);
    const out = this.replace.length === 0 ? rest : this.replace + rest;
    return out.length === 0 ? '/' : out;
  }

  /** Upstream path (starting with '/', or '' for none) → client path. */
  invert(path: string): string {
    const replace = this.replace;
    if (replace.length > 0) {
      if (!hasSegmentPrefix(path, replace)) return path;
      const out = this.strip + path.slice(replace.length);
      return out.length === 0 ? '/' : out;
    }
    if (this.strip.length === 0) return path;
    return path.length === 0 ? `${this.strip}/` : this.strip + path;
  }
}

/** The route's path rewrite: the shared identity without stripPrefix, else a `PrefixMapping`'s. */
export function compilePathRewrite(stripPrefix: string | undefined, replacePrefix: string | undefined): PathRewrite {
  if (stripPrefix === undefined) return identityPathRewrite;
  const mapping = new PrefixMapping(stripPrefix, replacePrefix);
  if (mapping.strip.length === 0 && mapping.replace.length === 0) return identityPathRewrite;
  return mapping.rewrite;
}
