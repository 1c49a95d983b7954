/**
 * Safe access to plain-object maps keyed by workspace text (event names, metadata keys).
 *
 * A contact's stats are plain JSON so they can travel through Redis (contact-stats.ts); after
 * `JSON.parse` their records inherit from Object.prototype. Reading `rec['constructor']` would then find a function, and
 * assigning `rec['__proto__']` would change the prototype instead of storing a value. These two
 * helpers make a name like `__proto__` or `toString` an ordinary key either way.
 */

/** A fresh record without a prototype. */
export function createRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function getOwn<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
