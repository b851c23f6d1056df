import { codeFromDtype, codeFromTypeName, dtypeFromCode } from './dtype';

describe('ONNX data types', () => {
  test('when a code Gauntlet holds is mapped to a DType and back then it round-trips', () => {
    for (const code of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16]) expect(codeFromDtype(dtypeFromCode(code)!)).toBe(code);
  });

  test('when a type has no DType (complex, float8) then dtypeFromCode is undefined', () => {
    expect([14, 15, 17, 21].map(dtypeFromCode)).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('when a Cast < 6 type name is given in any case then its code is found', () => {
    expect(codeFromTypeName('FLOAT')).toBe(1);
    expect(codeFromTypeName('double')).toBe(11);
    expect(codeFromTypeName('Complex64')).toBe(14);
    expect(codeFromTypeName('BFLOAT16')).toBe(16);
    expect(codeFromTypeName('FLOAT8E4M3FN')).toBeUndefined();
    expect(codeFromTypeName('constructor')).toBeUndefined();
  });
});
