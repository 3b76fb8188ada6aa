// Shared helpers for the config tests.
import assert from 'node:assert/strict';
import { ConfigError, type ConfigProblem } from '../src/errors.js';
import { loadConfig } from '../src/load.js';
import type { ConfigInput } from '../src/schema.js';

/** The YAML example from the config contract, verbatim. */
export const EXAMPLE_YAML = `listeners:
  - name: web
    protocol: http               # later: https, tcp, tls, udp
    address: 127.0.0.1:8080
routes:
  - name: oauth
    priority: 10                 # lower is matched first, as ALB rule priorities
    match:
      path: ["/oauth2/authorization/**", "/login/oauth2/code/**"]
    forward: { upstream: backend }
  - name: default
    priority: 1000
    forward: { upstream: frontend }
upstreams:
  - name: backend
    balance: round-robin
    targets: [{ address: 127.0.0.1:8081 }]
  - name: frontend
    targets: [{ address: 127.0.0.1:3000 }, { address: 127.0.0.1:3001, weight: 2 }]
`;

/** A small valid config; tests override parts of it. */
export function base(): ConfigInput & Record<string, unknown> {
  return {
    listeners: [{ name: 'web', address: '127.0.0.1:8080' }],
    routes: [{ name: 'default', forward: { upstream: 'app' } }],
    upstreams: [{ name: 'app', targets: [{ address: '127.0.0.1:3000' }] }],
  };
}

/** A base config with one route replaced by the given fields. */
export function withRoute(route: Record<string, unknown>): unknown {
  return { ...base(), routes: [{ name: 'r', ...route }] };
}

/** A base config with one upstream replaced by the given fields. */
export function withUpstream(upstream: Record<string, unknown>): unknown {
  return { ...base(), upstreams: [{ name: 'app', targets: [{ address: '127.0.0.1:3000' }], ...upstream }] };
}

/** Runs loadConfig expecting a ConfigError and returns its problems. */
export function problemsOf(raw: unknown): readonly ConfigProblem[] {
  try {
    loadConfig(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    return err.problems;
  }
  assert.fail('expected loadConfig to throw');
}

/** Asserts that exactly one problem is reported, at `path`, with a message matching `message`. */
export function assertOneProblem(raw: unknown, path: string, message: RegExp | string): void {
  const problems = problemsOf(raw);
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  const [p] = problems;
  assert.equal(p?.path, path);
  if (typeof message === 'string') assert.equal(p?.message, message);
  else assert.match(p?.message ?? '', message);
}
