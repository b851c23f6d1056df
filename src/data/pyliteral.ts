/**
 * A strict parser for the small subset of Python literal syntax that appears in NPY headers:
 * dicts with string keys, tuples, lists, strings without escapes, integers (with an optional
 * Python 2 `L` suffix), True, False and None. Anything else is rejected with a DataError.
 */
import { DataError } from '../errors';

export type PyLiteral =
  | { kind: 'str'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'tuple'; items: PyLiteral[] }
  | { kind: 'list'; items: PyLiteral[] }
  | { kind: 'dict'; entries: Map<string, PyLiteral> };

/** Deepest nesting accepted; real headers nest at most a few levels (structured dtypes). */
const MAX_DEPTH = 32;

/**
 * Parses `text` as exactly one Python literal, optionally surrounded by whitespace.
 * @throws DataError naming the offending position when the text is not a supported literal.
 */
export function parsePyLiteral(text: string): PyLiteral {
  const parser = new LiteralParser(text);
  const value = parser.parseValue(0);
  parser.skipWhitespace();
  if (!parser.atEnd()) parser.fail('end of header');
  return value;
}

/** Short human-readable name of a literal's type, for error messages. */
export function describePyLiteral(v: PyLiteral): string {
  return v.kind === 'none' ? 'None' : v.kind;
}

class LiteralParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipWhitespace(): void {
    while (!this.atEnd() && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  fail(expected: string): never {
    const found = this.atEnd() ? 'end of header' : JSON.stringify(this.text.slice(this.pos, this.pos + 12));
    throw new DataError(
      `NPY header is not a valid Python literal: expected ${expected} at character ${this.pos}, found ${found}`,
      { position: this.pos },
    );
  }

  parseValue(depth: number): PyLiteral {
    if (depth > MAX_DEPTH) this.fail(`nesting depth at most ${MAX_DEPTH}`);
    this.skipWhitespace();
    const c = this.text[this.pos];
    if (c === '{') return this.parseDict(depth);
    if (c === '(') return this.parseSequence('tuple', ')', depth);
    if (c === '[') return this.parseSequence('list', ']', depth);
    if (c === "'" || c === '"') return { kind: 'str', value: this.parseString() };
    if (c !== undefined && /[-+0-9]/.test(c)) return this.parseInt();
    return this.parseKeyword();
  }

  private consume(ch: string): boolean {
    this.skipWhitespace();
    if (this.text[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(ch: string): void {
    if (!this.consume(ch)) this.fail(`'${ch}'`);
  }

  private parseDict(depth: number): PyLiteral {
    this.expect('{');
    const entries = new Map<string, PyLiteral>();
    while (!this.consume('}')) {
      this.skipWhitespace();
      const keyPos = this.pos;
      if (this.text[this.pos] !== "'" && this.text[this.pos] !== '"') this.fail('a string dict key');
      const key = this.parseString();
      if (entries.has(key)) {
        this.pos = keyPos;
        this.fail(`a key other than the duplicate '${key}'`);
      }
      this.expect(':');
      entries.set(key, this.parseValue(depth + 1));
      if (!this.consume(',')) {
        this.expect('}');
        break;
      }
    }
    return { kind: 'dict', entries };
  }

  private parseSequence(kind: 'tuple' | 'list', close: string, depth: number): PyLiteral {
    this.pos++; // opening bracket, already checked by the caller
    const items: PyLiteral[] = [];
    let sawComma = false;
    while (!this.consume(close)) {
      items.push(this.parseValue(depth + 1));
      sawComma = this.consume(',');
      if (!sawComma) {
        this.expect(close);
        break;
      }
    }
    // `(3)` is just the integer 3 in Python, not a tuple.
    if (kind === 'tuple' && items.length === 1 && !sawComma) return items[0]!;
    return { kind, items };
  }

  private parseString(): string {
    const quote = this.text[this.pos]!;
    const start = ++this.pos;
    while (!this.atEnd() && this.text[this.pos] !== quote) {
      const ch = this.text[this.pos]!;
      if (ch === '\\') this.fail('a string without escape sequences');
      if (ch === '\n') this.fail(`closing ${quote}`);
      this.pos++;
    }
    if (this.atEnd()) this.fail(`closing ${quote}`);
    return this.text.slice(start, this.pos++);
  }

  private parseInt(): PyLiteral {
    const match = /^[-+]?[0-9]+L?/.exec(this.text.slice(this.pos, this.pos + 40));
    if (!match) this.fail('an integer');
    const digits = match[0].replace(/L$/, '');
    const value = Number(digits);
    if (!Number.isSafeInteger(value)) this.fail('an integer below 2^53');
    this.pos += match[0].length;
    if (!this.atEnd() && /[0-9.eEjxX_]/.test(this.text[this.pos]!)) this.fail('an integer');
    return { kind: 'int', value };
  }

  private parseKeyword(): PyLiteral {
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos, this.pos + 40));
    const word = match?.[0];
    if (word === 'True' || word === 'False') {
      this.pos += word.length;
      return { kind: 'bool', value: word === 'True' };
    }
    if (word === 'None') {
      this.pos += word.length;
      return { kind: 'none' };
    }
    this.fail('a value (dict, tuple, list, string, integer, True, False or None)');
  }
}
