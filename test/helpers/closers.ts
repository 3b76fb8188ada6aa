// Closes what a test opened, in reverse order, even when some closers fail.

type Closer = () => unknown;

/**
 * Collects cleanup functions; `closeAll` runs them last-in first-out and then rethrows the first
 * failure, so one stuck resource does not leak the others.
 * @example
 * const closers = new Closers();
 * afterEach(() => closers.closeAll());
 * const server = await startBackend('a'); closers.add(() => server.close());
 */
export class Closers {
  private readonly closers: Closer[] = [];

  add(closer: Closer): void {
    this.closers.push(closer);
  }

  async closeAll(): Promise<void> {
    let failure: unknown;
    while (this.closers.length > 0) {
      const closer = this.closers.pop() as Closer;
      try {
        await closer();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }
}
