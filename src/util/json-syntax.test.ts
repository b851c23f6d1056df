import { findJsonSyntaxError } from './json-syntax';

describe('findJsonSyntaxError', () => {
  it('when the text is valid JSON, then there is no error', () => {
    expect(findJsonSyntaxError('{"a": [1, -2.5e3, true, null, "x\\u0041"]}')).toBeNull();
  });

  it('when a trailing comma precedes ], then the error is at the ] and expects a value', () => {
    expect(findJsonSyntaxError('[1,]')).toEqual({ pos: 3, reason: 'unexpected "]", expected a value' });
  });

  it('when the text ends early, then the error is at the end', () => {
    expect(findJsonSyntaxError('{"a": 1')).toEqual({ pos: 7, reason: "unexpected end of input, expected ',' or '}'" });
  });
});
