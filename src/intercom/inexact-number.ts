/**
 * A JSON number literal that is not an integer but which a double would round to one
 * (`1.00000000000000000001`, `12345678901234567890.5`). `parseJsonExact` yields this instead of the
 * rounded number, so nothing downstream can take it for an integer: a shape check asking for a
 * number refuses it, and a monetary amount holding it does not count.
 */
export class InexactNumber {
  /** The literal as the body wrote it. */
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toJSON(): string {
    return this.text;
  }
}
