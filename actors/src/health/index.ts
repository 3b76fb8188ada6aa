// The health subsystem: active checks, passive outlier detection, panic mode, slow start, explanations.
//
// ## Wiring (node assembly, balancer actor, data plane)
//
// 1. Node assembly, once per node (these outlive reloads and restarts of the health actor):
//
//      const healthViews = createHealthViewsSnapshot();
//      const healthMemory = new HealthMemory();
//      const health = system.spawn(healthActor, { views: healthViews, memory: healthMemory }, { name: 'health' });
//
//    `proberFor` defaults to the real TCP/HTTP probers; tests pass a fake (see test/health).
//
// 2. On every config apply, before building upstreams:
//
//      const views = await health.ask(ConfigureHealth, { upstreams: config.upstreams });
//
//    Targets whose `host:port` stays keep their verdict, evidence, ejections (the new detector
//    carries them over and the old one is retired) and slow-start ramps; an unchanged health
//    check keeps its running checker. Removed upstreams/targets are dropped.
//
// 3. Balancer actor, building an upstream's picker from `view = views.get(upstream.name)`:
//      - candidates: `view.routable` (indices into `upstream.targets`, config order). It already
//        excludes unhealthy, ejected, draining, weight-0 and admin-down targets, and becomes every
//        target in rotation while `view.isPanicking`;
//      - weight: `target.weight * view.weightFactors[index]` (slow start; factors are in (0, 1],
//        so scale integer weights, e.g. ×100, if a picker wants integers);
//      - put `view.outlier` (the OutlierDetector) and each target's config `index` on the
//        UpstreamRuntime / TargetRuntime the data plane reads.
//    To follow changes, subscribe once:
//
//      ctx.subscribeToSelf(healthViews.changes$, (views) => HealthViewsChanged.make({ views }));
//
//    and rebuild only the upstreams whose view object changed (`views.get(name) !== lastBuilt.get(name)`).
//    While any ramp runs (`view.isRamping`) the health actor republishes that upstream's view every
//    slow-start step (rampStepMs: 100 ms–1 s), so the balancer needs no tick of its own.
//
// 4. Data plane, per request to target `t` of upstream `u` (synchronous, allocation-free):
//      - connect failed (refused, reset, connect timeout):  u.outlier.recordConnectFailure(t.index, err.code ?? 'error')
//        (pass a constant or `err.code`, never a string built per request);
//      - got a response head:                                u.outlier.recordStatus(t.index, status)
//      - L4 / tunnel finished fine without a status:          u.outlier.recordSuccess(t.index)
//    An ejection reaches the health actor as a message; the picker without that target follows
//    with the next view. A retired detector (after a reload) ignores records.
//
// 5. Bus facts for observers, admin API and the cluster: `target.health-changed`, `target.ejected`,
//    `target.restored`, `upstream.panic`, `health.probe-completed` (only when observed).
//    Requests: `health.explain` (reply: HealthExplanation) and `health.set-admin` (reply: found).
export { healthActor, ConfigureHealth, createHealthViewsSnapshot, type HealthActorArgs, type HealthActorInbox, type HealthViews } from './health.actor.js';
export { activeChecker, ActiveCheckReport, GetActiveStates, type ActiveCheckerArgs, type ActiveCheckerInbox, type ActiveTargetState, type CheckedTarget } from './active-checker.actor.js';
export { HealthMemory, resolveInitialState, type RememberedHealth } from './health-memory.js';
export { UpstreamHealth, type HealthChange, type TargetHealthView, type UpstreamHealthView, type UpstreamHealthOptions } from './upstream-health.js';
export { OutlierDetector, type OutlierListener, type OutlierDetectorOptions } from './outlier-detector.js';
export { SlowStart, MIN_WEIGHT_FACTOR, rampFactor, rampStepMs } from './slow-start.js';
export { explainHealth, explainUpstream, describeRules } from './health-explanation.js';
export { applyResult, isChanging, startRiseFall, transitionReason, describeThresholds, type RiseFall, type Thresholds } from './rise-fall.js';
export { nextProbeDelayMs, firstProbeDelayMs, type ProbeTiming, type RandomSource } from './probe-schedule.js';
export { formatAddress, timeoutReason, type ProbeResult, type ProbeTarget, type Prober } from './prober.js';
export { TcpProber } from './tcp-prober.js';
export { HttpProber, type HttpProbeOptions } from './http-prober.js';
export { createProber } from './create-prober.js';
export { compileStatusMatcher, type StatusMatcher } from './status-matcher.js';
