// Builds the picker for an upstream's `balance` setting.
import { assertNever } from '@switchyard/core';
import type { UpstreamConfig } from '@switchyard/config';
import { ConsistentHashPicker } from './consistent-hash-picker.js';
import { FirstPicker } from './first-picker.js';
import { LeastConnectionsPicker } from './least-connections-picker.js';
import { LeastRequestPicker } from './least-request-picker.js';
import type { BalancedTarget, Picker } from './picker.js';
import { RandomPicker } from './random-picker.js';
import { RoundRobinPicker } from './round-robin-picker.js';
import { StickyCookiePicker } from './sticky-cookie-picker.js';

/** The parts of an upstream's config a picker reads. */
export type PickerConfig = Pick<UpstreamConfig, 'balance' | 'hashKey' | 'stickyCookie' | 'choices' | 'boundedLoad'>;

export interface CreatePickerOptions {
  /** Seed of the picker's PRNG (random, least-request), for deterministic tests; random when absent. */
  readonly seed?: number;
}

/**
 * The picker for `config.balance` over `targets`: the targets that may take traffic now, in
 * config order, with effective weights. Targets with weight 0 are never picked. Build once per
 * change (config, health, slow-start step); the picker keeps per-picker state (round-robin
 * position, PRNG) and reads in-flight counts live from the targets' shared InflightTable.
 *
 * @example
 * const picker = createPicker(upstream, available, { seed: 1 });
 * const target = picker.pick(request) ?? queue(request);
 */
export function createPicker<T extends BalancedTarget>(config: PickerConfig, targets: readonly T[], options: CreatePickerOptions = {}): Picker<T> {
  switch (config.balance) {
    case 'round-robin':
      return new RoundRobinPicker(targets);
    case 'least-connections':
      return new LeastConnectionsPicker(targets);
    case 'least-request':
      return new LeastRequestPicker(targets, config.choices, options.seed);
    case 'random':
      return new RandomPicker(targets, options.seed);
    case 'consistent-hash':
      return new ConsistentHashPicker(targets, { hashKey: config.hashKey, boundedLoad: config.boundedLoad });
    case 'sticky-cookie':
      return new StickyCookiePicker(targets, config.stickyCookie);
    case 'first':
      return new FirstPicker(targets);
    default:
      return assertNever(config.balance);
  }
}
