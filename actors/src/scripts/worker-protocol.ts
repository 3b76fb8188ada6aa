// Messages between the proxy thread and a router's worker thread: plain, structured-clone data only.
import type { RouterEventType } from './router-api.js';
import type { LogLevel } from './router-context.js';
import type { PlainRequest } from './request-view.js';

/** What a worker starts with. */
export interface WorkerBoot {
  readonly file: string;
  readonly code: string;
  readonly route: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly runSelfTest: boolean;
  /** How often the worker reports its metrics, when they changed. */
  readonly metricsIntervalMs: number;
}

export type ToWorker =
  | { readonly t: 'decide'; readonly id: number; readonly request: PlainRequest }
  | { readonly t: 'event'; readonly type: RouterEventType; readonly event: unknown };

export type FromWorker =
  | { readonly t: 'ready'; readonly events: RouterEventType[] }
  | { readonly t: 'load-failed'; readonly message: string }
  | { readonly t: 'decided'; readonly id: number; readonly decision: unknown }
  | { readonly t: 'threw'; readonly id: number; readonly message: string; readonly name: string }
  | { readonly t: 'event-failed'; readonly type: string; readonly message: string }
  | { readonly t: 'log'; readonly level: LogLevel; readonly message: string; readonly fields: Record<string, unknown> | undefined }
  | { readonly t: 'metrics'; readonly values: [string, number][] };
