// Immutable snapshots an actor publishes for the data plane to read synchronously.
import { BehaviorSubject, type Observable } from 'rxjs';

/**
 * A named cell holding the latest immutable value an actor decided on (a compiled route table, a
 * picker). Connection code reads `current` per request with no message round trip; the actor
 * replaces it when something changes. Values must not be mutated after `replace`.
 */
export class Snapshot<T> {
  private readonly subject: BehaviorSubject<T>;
  private versionNumber = 0;
  readonly changes$: Observable<T>;

  constructor(
    readonly name: string,
    initial: T,
  ) {
    this.subject = new BehaviorSubject(initial);
    this.changes$ = this.subject.asObservable();
  }

  /** The value to read on the hot path. */
  get current(): T {
    return this.subject.getValue();
  }

  /** Increases by one with every replacement. */
  get version(): number {
    return this.versionNumber;
  }

  replace(value: T): void {
    this.versionNumber++;
    this.subject.next(value);
  }
}
