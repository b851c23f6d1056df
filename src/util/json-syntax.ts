/**
 * Where a JSON text stops being JSON. JSON.parse's messages carry no position on some Node
 * versions ("Unexpected token ']', ... is not valid JSON"), so a file-reading command that wants
 * to say "line 3, column 23: unexpected "]", expected a value" locates the error with this small
 * scanner of the JSON grammar (RFC 8259). It only locates; parsing stays JSON.parse's. The
 * maintained alternatives (jsonc-parser, json-parse-even-better-errors) word their reasons
 * differently and are not direct dependencies; `strict-json.ts` answers another question
 * (duplicate keys in text that already parsed).
 */

/** Offset of the first syntax error in a JSON text and why it is one. */
export interface JsonSyntaxError {
  pos: number;
  /** e.g. `unexpected "]", expected a value`. */
  reason: string;
}

/**
 * Offset and reason of the first JSON syntax error in `t`, or null when `t` is valid JSON (or
 * nests too deeply to scan, where no position can be given).
 */
export function findJsonSyntaxError(t: string): JsonSyntaxError | null {
  let i = 0;
  class Stop { constructor(readonly pos: number, readonly reason: string) {} }
  const stop = (expected: string): never => {
    const found = i >= t.length ? 'end of input' : JSON.stringify(t[i]);
    throw new Stop(i, `unexpected ${found}, expected ${expected}`);
  };
  const ws = () => { while (i < t.length && ' \t\n\r'.includes(t[i])) i++; };
  const digits = () => { const s = i; while (t[i] >= '0' && t[i] <= '9') i++; if (i === s) stop('a digit'); };
  const number = () => {
    if (t[i] === '-') i++;
    if (t[i] === '0') i++; else digits();
    if (t[i] === '.') { i++; digits(); }
    if (t[i] === 'e' || t[i] === 'E') { i++; if (t[i] === '+' || t[i] === '-') i++; digits(); }
  };
  const string = () => {
    i++;
    while (i < t.length && t[i] !== '"') {
      if (t[i] === '\\') {
        i++;
        if (t[i] === 'u') { for (let k = 1; k <= 4; k++) if (!'0123456789abcdefABCDEF'.includes(t[i + k] ?? '_')) { i += k; stop('a hex digit'); } i += 4; }
        else if (i >= t.length || !'"\\/bfnrt'.includes(t[i])) stop('an escape character');
      } else if (t.charCodeAt(i) < 0x20) stop('a string character (escape control characters)');
      i++;
    }
    if (i >= t.length) stop("'\"'");
    i++;
  };
  const value = (): void => {
    ws();
    const c = t[i];
    if (c === '{') {
      i++; ws();
      if (t[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (t[i] !== '"') stop('a double-quoted property name');
        string(); ws();
        if (t[i] !== ':') stop("':'");
        i++; value(); ws();
        if (t[i] === ',') { i++; continue; }
        if (t[i] === '}') { i++; return; }
        stop("',' or '}'");
      }
    }
    if (c === '[') {
      i++; ws();
      if (t[i] === ']') { i++; return; }
      for (;;) {
        value(); ws();
        if (t[i] === ',') { i++; continue; }
        if (t[i] === ']') { i++; return; }
        stop("',' or ']'");
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const lit of ['true', 'false', 'null']) if (t.startsWith(lit, i)) { i += lit.length; return; }
    stop('a value');
  };
  try {
    value(); ws();
    if (i < t.length) stop('end of input');
    return null;
  } catch (e) {
    if (e instanceof Stop) return { pos: e.pos, reason: e.reason };
    return null; // RangeError on absurd nesting: no position
  }
}
