// The one place L4 code talks to an upstream's picker, so a change of the picker's API stays here.
import type { PickRequest } from '../balancer/picker.js';
import type { TargetRuntime, UpstreamRuntime } from '../proxy/proxy-snapshot.js';

/** A target for a new L4 connection or udp flow, or undefined when none can take it. */
export function pickTarget(upstream: UpstreamRuntime, request: PickRequest): TargetRuntime | undefined {
  return upstream.picker.pick(request);
}

/** Another target after the ones in `tried` failed to connect; undefined when none is left. */
export function pickAnother(upstream: UpstreamRuntime, request: PickRequest, tried: readonly TargetRuntime[]): TargetRuntime | undefined {
  return upstream.picker.pickExcluding(request, tried);
}

/**
 * Whether `target` (picked from `upstream` earlier) is still one the upstream's current picker may
 * choose: after a health change, a drain or a reload the picker is rebuilt without it. The
 * picker is asked to choose with every other target excluded, so it answers `target` exactly when
 * `target` is among its candidates; the caller's own use of the target is taken off `inflight`
 * meanwhile, so a target at its connection cap because of this very flow is not reported gone.
 * Call it only when the picker changed: a round-robin picker advances its cursor by one.
 */
export function isStillPickable(upstream: UpstreamRuntime, target: TargetRuntime, request: PickRequest): boolean {
  if (!upstream.targets.includes(target)) return false;
  const others = upstream.targets.filter((t) => t !== target);
  target.inflight--;
  try {
    return upstream.picker.pickExcluding(request, others) === target;
  } finally {
    target.inflight++;
  }
}

/** The target of `upstream` at `address` (the same target in a newer config version), if any. */
export function targetAt(upstream: UpstreamRuntime, address: string): TargetRuntime | undefined {
  return upstream.targets.find((t) => t.address === address);
}
