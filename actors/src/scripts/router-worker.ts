// The entry point of a router's worker thread: loads the script, then answers decide requests one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import type { RouterEventType } from './router-api.js';
import { MetricValues, RouterContextImpl, processClock } from './router-context.js';
import { routerFromModule, runSelfTest, subscribedEvents, type AnyRouter } from './router-module.js';
import { importCompiled } from './script-loader.js';
import { RequestView } from './request-view.js';
import type { FromWorker, ToWorker, WorkerBoot } from './worker-protocol.js';

const port = parentPort;
const boot = workerData as WorkerBoot;

function post(message: FromWorker): void {
  port?.postMessage(message);
}

/** Log fields must survive a structured clone: anything else is turned into text. */
function cloneableFields(fields: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined {
  if (fields === undefined) return undefined;
  try {
    return structuredClone({ ...fields });
  } catch {
    return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'object' ? String(v) : v]));
  }
}

async function start(): Promise<void> {
  let definition: AnyRouter;
  try {
    const mod = await importCompiled(boot.file, boot.code);
    const checked = routerFromModule(mod);
    if (typeof checked === 'string') return post({ t: 'load-failed', message: checked });
    if (boot.runSelfTest) await runSelfTest(checked, boot.options, boot.route);
    definition = checked.definition;
  } catch (error) {
    return post({ t: 'load-failed', message: error instanceof Error ? error.message : String(error) });
  }
  const options = Object.freeze({ ...boot.options });
  const metrics = new MetricValues();
  let state: unknown;
  try {
    state = definition.init === undefined ? undefined : definition.init(options);
  } catch (error) {
    return post({ t: 'load-failed', message: `init threw: ${error instanceof Error ? error.message : String(error)}` });
  }
  const ctx = new RouterContextImpl(boot.route, options, processClock, (level, message, fields) => post({ t: 'log', level, message, fields: cloneableFields(fields) }), state, metrics);

  let reported = '';
  setInterval(() => {
    const values = [...metrics.values];
    const text = JSON.stringify(values);
    if (text === reported) return;
    reported = text;
    post({ t: 'metrics', values });
  }, boot.metricsIntervalMs).unref();

  port?.on('message', (message: ToWorker) => {
    if (message.t === 'decide') {
      let decision: unknown;
      try {
        decision = definition.decide(RequestView.fromPlain(message.request), ctx);
      } catch (error) {
        return post({ t: 'threw', id: message.id, message: error instanceof Error ? error.message : String(error), name: error instanceof Error ? error.name : 'Error' });
      }
      try {
        post({ t: 'decided', id: message.id, decision });
      } catch (error) {
        // A decision holding a function or a symbol cannot cross threads.
        post({ t: 'threw', id: message.id, message: `the decision cannot be sent from the worker: ${(error as Error).message}`, name: 'DataCloneError' });
      }
      return;
    }
    const handler = definition.on?.[message.type as RouterEventType] as ((event: unknown, c: typeof ctx) => void) | undefined;
    try {
      handler?.(message.event, ctx);
    } catch (error) {
      post({ t: 'event-failed', type: message.type, message: error instanceof Error ? error.message : String(error) });
    }
  });
  post({ t: 'ready', events: subscribedEvents(definition) });
}

void start();
