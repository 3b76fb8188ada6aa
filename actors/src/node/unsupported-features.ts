// Config keys the schema accepts ahead of time but this build cannot serve yet: refused, never ignored.
import type { Config } from '@switchyard/config';
import { l4ConfigProblems } from '../l4/l4-config-checks.js';

export interface UnsupportedProblem {
  path: string;
  message: string;
}

/**
 * Some combinations have no meaning on L4 listeners (HTTP match keys on a tcp route, PROXY on
 * udp). A node refuses such a config with the path of each key rather than silently doing
 * something else.
 */
export function unsupportedFeatures(config: Readonly<Config>): UnsupportedProblem[] {
  return [...l4ConfigProblems(config)];
}
