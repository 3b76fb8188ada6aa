// A small bounded list of the latest evidence items; oldest dropped first.

export class EvidenceRing<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(readonly limit: number) {}

  push(item: T): void {
    if (this.items.length < this.limit) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.limit;
  }

  /** The items, newest first. */
  newestFirst(): T[] {
    const out: T[] = [];
    const n = this.items.length;
    for (let k = 1; k <= n; k++) out.push(this.items[(this.next - k + n * 2) % n] as T);
    return out;
  }

  get size(): number {
    return this.items.length;
  }
}
