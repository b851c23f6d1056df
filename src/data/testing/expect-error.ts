/** Assertions shared by the data module's tests. */

/** Asserts that `fn` throws an instance of `type` whose message matches `message`. */
export function expectError(fn: () => unknown, type: new (...args: never[]) => Error, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(message);
}
