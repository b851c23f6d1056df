import { parseEps } from './eps';

describe('parseEps', () => {
  it.each([
    ['0.03', { eps: 0.03, epsExact: null }],
    ['1e-2', { eps: 0.01, epsExact: null }],
    ['.5', { eps: 0.5, epsExact: null }],
    ['8/255', { eps: 8 / 255, epsExact: '8/255' }],
    [' 8 / 255 ', { eps: 8 / 255, epsExact: '8/255' }],
    ['0.5/2', { eps: 0.25, epsExact: '0.5/2' }],
    [0.1, { eps: 0.1, epsExact: null }],
  ])('when ε is written %j then it parses to %j', (text, want) => {
    expect(parseEps(text)).toEqual(want);
  });

  it('when ε is 8/255 then its value is the float64 nearest 8/255', () => {
    expect(parseEps('8/255').eps).toBe(0.03137254901960784);
  });

  it.each([
    ['8/0', /divides by zero/],
    ['-1', /must be > 0/],
    ['-8/255', /not a fraction of two positive numbers/],
    ['abc', /'abc' is not a number > 0 \(0\.03\) or an exact fraction a\/b \(8\/255\)/],
    ['0', /must be > 0/],
    ['0/5', /must be > 0/],
    ['1/2/3', /is not a number/],
    ['', /is not a number/],
    ['Infinity', /is not a number/],
    [0, /must be/],
    [Number.NaN, /must be/],
  ])('when ε is %j then it is refused with a message saying what is accepted', (text, msg) => {
    expect(() => parseEps(text as string)).toThrow(msg);
  });
});
