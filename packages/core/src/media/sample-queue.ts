/**
 * A first-in first-out queue of 16-bit samples in a ring buffer that grows by
 * doubling, so steady-state pushes and reads allocate nothing. Positions are
 * counted in samples since the queue was created, which is what marks refer to.
 */
export class SampleQueue {
  private buffer: Int16Array;
  private head = 0;
  private size = 0;
  /** Samples ever pushed. */
  written = 0;
  /** Samples ever read or dropped. */
  consumed = 0;

  constructor(initialCapacity = 4096) {
    this.buffer = new Int16Array(initialCapacity);
  }

  get length(): number {
    return this.size;
  }

  push(samples: Int16Array, count = samples.length): void {
    if (this.size + count > this.buffer.length) this.grow(this.size + count);
    const capacity = this.buffer.length;
    let tail = (this.head + this.size) % capacity;
    for (let i = 0; i < count; i++) {
      this.buffer[tail] = samples[i]!;
      tail = tail + 1 === capacity ? 0 : tail + 1;
    }
    this.size += count;
    this.written += count;
  }

  /** Moves `count` samples (at most `length`) into `target` from index 0; returns how many. */
  readInto(target: Int16Array, count: number): number {
    const n = Math.min(count, this.size);
    const capacity = this.buffer.length;
    let head = this.head;
    for (let i = 0; i < n; i++) {
      target[i] = this.buffer[head]!;
      head = head + 1 === capacity ? 0 : head + 1;
    }
    this.head = head;
    this.size -= n;
    this.consumed += n;
    return n;
  }

  /** Drops everything queued. */
  clear(): void {
    this.consumed += this.size;
    this.head = 0;
    this.size = 0;
  }

  private grow(needed: number): void {
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Int16Array(capacity);
    const old = this.buffer;
    for (let i = 0; i < this.size; i++) grown[i] = old[(this.head + i) % old.length]!;
    this.buffer = grown;
    this.head = 0;
  }
}
