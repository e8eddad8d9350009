// A value that views subscribe to; set() notifies with the new and the previous value.
export class Store<T> {
  private readonly listeners = new Set<(value: T, previous: T) => void>();
  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(value: T): void {
    const previous = this.value;
    this.value = value;
    for (const listener of this.listeners) listener(value, previous);
  }

  subscribe(listener: (value: T, previous: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
