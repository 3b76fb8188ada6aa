// @switchyard/actors: the proxy's actors (listener, router, balancer, forwarder) and its HTTP wire layer.
export * from './http/index.js';
export * from './router/index.js';
export { startProxyNode, ConfigNotAppliedError, type ProxyNode, type ProxyNodeOptions, type BoundListener, type TargetHealthState } from './node/proxy-node.js';
export type { ApplyProblem } from './node/proxy.actor.js';
export type { ListenerCounters } from './proxy/listener-context.js';
export * from './observers/index.js';
export { unsupportedFeatures } from './node/unsupported-features.js';
export { tuneHeapForRelaying, PROXY_HEAP_GROWING_PERCENT } from './node/heap-tuning.js';
export * from './cluster/index.js';
export { startClusterNode, nodeConfigProblems, type ClusterHandle, type ClusterNodeOptions, type ClusterStatus, type ProbeAssignment } from './node/cluster-node.js';
export * from './proxy-protocol/index.js';
export * from './scripts/index.js';
