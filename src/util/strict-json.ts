/**
 * JSON.parse that refuses duplicate object keys. RFC 8259 §4 leaves duplicate names to the
 * parser, and JSON.parse keeps the last one, so `{"payload": A, "payload": B}` reads as B to us
 * and possibly as A to another verifier: a signed document must mean one thing. The check is one
 * linear pass over the text after JSON.parse accepted it; keys are compared decoded, so
 * `"p\u0061yload"` duplicates `"payload"`. No maintained npm package does only this (the
 * candidates are full parsers: json-dup-key-validator pulls a second JSON grammar).
 */

/** A JSON text that parses but is ambiguous or malformed, with a one-line reason. */
export class StrictJsonError extends Error {}

/**
 * Parses `text` like JSON.parse and throws StrictJsonError when an object repeats a key
 * (naming the key and the object's path, e.g. `$.signatures[0]`). JSON syntax errors are
 * JSON.parse's SyntaxError, unchanged.
 */
export function parseJsonStrict(text: string): unknown {
  const value: unknown = JSON.parse(text);
  assertNoDuplicateKeys(text);
  return value;
}

interface Frame {
  keys: Set<string> | null;
  /** Object: whether the next string is a key. Array: the current index. */
  wantKey: boolean;
  index: number;
  /** The key or index under which this container sits in its parent. */
  label: string;
}

/** Throws StrictJsonError at the first repeated key of `text` (which must be valid JSON). */
export function assertNoDuplicateKeys(text: string): void {
  const stack: Frame[] = [];
  let pendingKey = '';
  const path = () => `$${stack.slice(1).map((f) => f.label).join('')}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      const top = stack[stack.length - 1];
      if (top?.keys && top.wantKey) {
        const raw = text.slice(start, i + 1);
        const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) throw new StrictJsonError(`duplicate key ${JSON.stringify(key.slice(0, 100))} in the object at ${path()}: a signed document must have one meaning`);
        top.keys.add(key);
        top.wantKey = false;
        pendingKey = key;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const label = !parent ? '' : parent.keys ? `.${pendingKey}` : `[${parent.index}]`;
      stack.push({ keys: c === 0x7b ? new Set() : null, wantKey: true, index: 0, label });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.wantKey = true;
      else if (top) top.index++;
    }
  }
}
