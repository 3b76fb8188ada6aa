// Builds the answer to "why is this target (not) taking traffic?" from an upstream's health state.
import type { UpstreamConfig } from '@switchyard/config';
import type { HealthExplanation, TargetHealthExplanation, UpstreamHealthExplanation } from '@switchyard/core';
import { describeThresholds } from './rise-fall.js';
import type { UpstreamHealth } from './upstream-health.js';

/**
 * The rules that decide a target's health, as sentences:
 * "active http GET /healthz expecting 200-399: fall after 3 failures, rise after 2 passes; …".
 */
export function describeRules(config: Readonly<UpstreamConfig>): string[] {
  const rules: string[] = [];
  const check = config.healthCheck;
  if (check === undefined) {
    rules.push('no active check');
  } else {
    const what = check.type === 'tcp' ? 'tcp connect' : `http ${check.method} ${check.path} expecting ${check.expectStatus.join(', ')}${check.expectBody === undefined ? '' : ` and a body containing ${JSON.stringify(check.expectBody)}`}`;
    const port = check.port === undefined ? '' : ` on port ${check.port}`;
    rules.push(`active ${what}${port}: ${describeThresholds(check)}`);
    rules.push(`probe every ${check.interval} ms (every ${check.fastInterval} ms while changing state, jitter ${Math.round(check.jitter * 100)}%), timeout ${check.timeout} ms`);
  }
  const passive = config.passive;
  if (!passive.enabled || (passive.consecutiveConnectFailures === 0 && passive.consecutive5xx === 0)) {
    rules.push('no passive ejection');
  } else {
    const triggers: string[] = [];
    if (passive.consecutiveConnectFailures > 0) triggers.push(`${passive.consecutiveConnectFailures} consecutive connect failures`);
    if (passive.consecutive5xx > 0) triggers.push(`${passive.consecutive5xx} consecutive 5xx responses`);
    rules.push(
      `eject after ${triggers.join(' or ')} for ${passive.baseEjectionTime} ms × ejections (at most ${passive.maxEjectionTime} ms); at most ${passive.maxEjectionPercent}% of targets ejected at once`,
    );
  }
  rules.push(config.panicThreshold > 0 ? `panic (route to all targets) below ${config.panicThreshold}% available` : 'panic mode off');
  if (config.slowStart > 0) rules.push(`slow start over ${config.slowStart} ms`);
  return rules;
}

/** Explains one upstream, or one target of it when `target` is given. */
export function explainUpstream(health: UpstreamHealth, now: number, target?: string): UpstreamHealthExplanation {
  const rules = describeRules(health.config);
  const targets: TargetHealthExplanation[] = [];
  for (let index = 0; index < health.targetCount; index++) {
    const described = health.describeTarget(index);
    if (described === undefined || (target !== undefined && described.address !== target)) continue;
    const ejectedUntil = health.outlier.ejectedUntil(index);
    targets.push({
      target: described.address,
      state: described.verdict,
      since: described.since,
      reason: described.reason,
      mayTakeTraffic: described.mayTakeTraffic,
      active: described.active,
      isEjected: ejectedUntil !== undefined,
      ...(ejectedUntil === undefined ? {} : { ejectedUntil }),
      ejections: health.outlier.ejectionCount(index),
      isDraining: described.isDraining,
      admin: described.admin,
      weightFactor: health.slowStart.weightFactor(index, now),
      rules,
      evidence: described.evidence,
    });
  }
  return {
    upstream: health.name,
    isPanicking: health.isPanicking,
    available: health.available,
    total: health.total,
    panicThresholdPercent: health.config.panicThreshold,
    targets,
  };
}

/** Explains every upstream, or the one named (and one target of it). */
export function explainHealth(upstreams: Iterable<UpstreamHealth>, now: number, filter: { upstream?: string | undefined; target?: string | undefined } = {}): HealthExplanation {
  const out: UpstreamHealthExplanation[] = [];
  for (const health of upstreams) {
    if (filter.upstream !== undefined && health.name !== filter.upstream) continue;
    out.push(explainUpstream(health, now, filter.target));
  }
  return { at: now, upstreams: out };
}
