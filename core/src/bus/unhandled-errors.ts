// Routes RxJS's unhandled subscriber errors to the live buses instead of crashing the process.
import { config } from 'rxjs';

interface FailureSink {
  reportSubscriberFailure(error: unknown, messageType: string | undefined): void;
}

const sinks = new Set<FailureSink>();
let isInstalled = false;

/**
 * RxJS already isolates a throwing subscriber from the others (its SafeSubscriber catches), but
 * then rethrows on a timer, which would crash Node. We install `config.onUnhandledError` once so
 * those errors become `bus.subscriber-failed` events. RxJS gives no context with the error, so
 * each live bus hears of it; `Bus.subscribe` reports with the message type instead.
 */
export function registerBus(sink: FailureSink): void {
  sinks.add(sink);
  if (isInstalled) return;
  isInstalled = true;
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error: unknown) => {
    if (sinks.size === 0) {
      if (previous) previous(error);
      else console.error('switchyard: unhandled subscriber error with no live bus', error);
      return;
    }
    for (const s of sinks) s.reportSubscriberFailure(error, undefined);
  };
}

export function unregisterBus(sink: FailureSink): void {
  sinks.delete(sink);
}
