import { parseJsonStrict, StrictJsonError } from './strict-json';

describe('parseJsonStrict', () => {
  it('when the JSON has no repeated key then it returns what JSON.parse returns', () => {
    const text = '{"a":1,"b":{"a":2,"c":[{"a":3},{"a":4}]},"s":"{\\"a\\":1,\\"a\\":2}","t":"x,\\\\"}';
    expect(parseJsonStrict(text)).toEqual(JSON.parse(text));
  });

  it('when an object repeats a key then it throws naming the key and where', () => {
    expect(() => parseJsonStrict('{"payload":"QQ==","payloadType":"t","payload":"Qg=="}')).toThrow(StrictJsonError);
    expect(() => parseJsonStrict('{"payload":"QQ==","payload":"Qg=="}')).toThrow(/duplicate key "payload" in the object at \$:/);
    expect(() => parseJsonStrict('{"signatures":[{"sig":"a"},{"sig":"b","keyid":"k","keyid":"l"}]}')).toThrow(/duplicate key "keyid" in the object at \$\.signatures\[1\]/);
    expect(() => parseJsonStrict('{"a":{"b":[1,{"c":{"d":1,"d":2}}]}}')).toThrow(/at \$\.a\.b\[1\]\.c/);
  });

  it('when the repeated key is spelled with escapes then it is still a duplicate', () => {
    expect(() => parseJsonStrict('{"payload":"QQ==","p\\u0061yload":"Qg=="}')).toThrow(/duplicate key "payload"/);
  });

  it('when the text is not JSON then the error is JSON.parse\'s', () => {
    expect(() => parseJsonStrict('{"a":')).toThrow(SyntaxError);
  });
});
