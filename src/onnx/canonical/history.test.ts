/** canonicalize's version table: every semantic bump has a converter; since-versions follow the changelog. */
import { convertedOps, onnxSinceVersion, opsNeedingConversion } from '.';

describe('canonicalize — version table', () => {
  test('when an op changed meaning between some opset and 17 then a converter handles it', () => {
    const missing = opsNeedingConversion().filter((op) => !convertedOps().includes(op));
    expect(missing).toEqual([]);
  });

  test('when asked for since-versions then they follow the changelog', () => {
    expect(onnxSinceVersion('Softmax', 9)).toBe(1);
    expect(onnxSinceVersion('Softmax', 12)).toBe(11);
    expect(onnxSinceVersion('Softmax', 17)).toBe(13);
    expect(onnxSinceVersion('ReduceMean', 22)).toBe(18);
    expect(onnxSinceVersion('Gelu', 17)).toBeUndefined();
    expect(onnxSinceVersion('Gelu', 20)).toBe(20);
    expect(onnxSinceVersion('Pad', 21)).toBe(21);
  });
});
