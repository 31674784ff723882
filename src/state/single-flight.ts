// Single-flight: concurrent callers asking for the same key share one upstream call.

export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly queued = new Map<string, Promise<unknown>>();

  /** Joins the call in flight for `key`, or starts one. */
  run<T>(key: string, load: () => Promise<T>): Promise<T> {
    const current = this.inFlight.get(key) as Promise<T> | undefined;
    if (current) return current;
    const call: Promise<T> = Promise.resolve()
      .then(load)
      .finally(() => {
        if (this.inFlight.get(key) === call) this.inFlight.delete(key);
      });
    this.inFlight.set(key, call);
    return call;
  }

  /**
   * A call that starts after the caller asked: a call already in flight may have read the upstream before a change
   * the caller wants to see, so the caller waits for the next one, which every caller arriving meanwhile shares.
   * At most two upstream calls per burst, however many callers.
   */
  runAfter<T>(key: string, load: () => Promise<T>): Promise<T> {
    const current = this.inFlight.get(key);
    if (!current) return this.run(key, load);
    let next = this.queued.get(key) as Promise<T> | undefined;
    if (!next) {
      next = current
        .catch(() => undefined)
        .then(() => {
          this.queued.delete(key);
          return this.run(key, load);
        });
      this.queued.set(key, next);
    }
    return next;
  }
}
