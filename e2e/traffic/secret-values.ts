/**
 * Every password the run creates or sees, kept only in memory, so the run can prove that none of them reached a
 * log line, the report or the test output. It answers how many appear, never which.
 */
export class SecretValues {
  readonly #values = new Set<string>();

  add(value: string | undefined): void {
    if (value) this.#values.add(value);
  }

  get size(): number {
    return this.#values.size;
  }

  /** How many of the known secret values occur in `text`. */
  countIn(text: string): number {
    let found = 0;
    for (const value of this.#values) if (text.includes(value)) found += 1;
    return found;
  }
}
