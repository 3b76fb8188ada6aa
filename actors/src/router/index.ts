// The router's public API: the compiled route table, request facts, and the response rewriters.
export { type RequestFacts, type RequestMatcher, MatchCache, headerValue, headerNameEquals } from './request-facts.js';
export {
  compileRouteTable,
  RouteTable,
  type CompiledRoute,
  type CompiledRouteBase,
  type ForwardAction,
  type RedirectAction,
  type ScriptAction,
} from './route-table.js';
export { RouteConditions } from './route-conditions.js';
export { HostMatcher } from './host-matcher.js';
export { PathMatcher, PathPrefixMatcher, PathRegexMatcher, globToRegExp, normalizePathEscapes, regexLiteralPrefix } from './path-matcher.js';
export { MethodMatcher } from './method-matcher.js';
export { HeaderMatcher } from './header-matcher.js';
export { QueryMatcher } from './query-matcher.js';
export { CidrMatcher } from './cidr-matcher.js';
export { parseIpInto, parseIpv4, type IpFamily } from './ip-address.js';
export { createWeightedSplit, type UpstreamSplit, type WeightedUpstream } from './weighted-split.js';
export { PrefixMapping, compilePathRewrite, identityPathRewrite, type PathRewrite } from './path-rewrite.js';
export { LocationRewriter, rewriteLocation, rewriteRefresh, clientOriginOf, type LocationRewriteContext } from './location-rewrite.js';
export { rewriteSetCookie, SetCookieRewriter, type SetCookieRewrite } from './set-cookie-rewrite.js';
export { RedirectTemplate } from './redirect-render.js';
export {
  CompiledForwardDynamic,
  resolveDynamicUpstream,
  DynamicUpstreamRefusal,
  type DynamicUpstreamResult,
} from './dynamic-upstream.js';
export { buildStaticResponse, type StaticResponse } from './static-response.js';
