/**
 * A minimal emitter with a typed event map (STYLE §11): `on('job:failed', (e) => …)` checks the
 * event name and the listener's argument. Listeners run synchronously in registration order,
 * but nothing may depend on that order; a throwing listener is reported to `onListenerError`
 * and does not stop the others or the emitter's owner.
 */
export type Listener<E> = (event: E) => void;

/** `Events` maps each event name to its argument type, e.g. `{ 'job:failed': { job: Job } }`. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown, event: keyof Events) => void) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(listener as Listener<never>);
  }

  /** Resolves with the next `event` (tests and shutdown code wait on it). */
  once<K extends keyof Events>(event: K): Promise<Events[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (value) => {
        off();
        resolve(value);
      });
    });
  }

  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<Events[K]>)(value);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
