/**
 * A secret value that does not leak by accident: it prints, serialises and inspects as
 * `[redacted]`, so passing a config object to a logger or `JSON.stringify` is safe. The value is
 * read only through `reveal()`, which makes every use greppable.
 */
const REDACTED = '[redacted]';

/** Where a secret was read from: what `config check` prints in its place (a reference, never the value). */
export type SecretOrigin = { readonly env: string } | { readonly file: string };

export class Secret {
  readonly #value: string;

  constructor(
    value: string,
    readonly origin?: SecretOrigin,
  ) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
