/** Gradient shape verification catches a rule whose output shape is wrong. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { decodeModel } from '../../src/onnx/decode';
import { buildGradientModel } from '../../src/autodiff/builder';
import { prepareModel } from '../../src/model/prepare';
import { GradientShapeError, verifyGradientShapes } from '../../src/model/verify';

const path = join(__dirname, '..', '..', 'fixtures', 'models', 'cnn.onnx');

describe('gradient verification', () => {
  test('when every rule is right then all edges match their forward shapes', async () => {
    const prepared = await prepareModel(readFileSync(path));
    for (const loss of ['ce', 'dlr'] as const) {
      const gm = buildGradientModel(decodeModel(prepared.bytes), { loss, targeted: loss === 'dlr', shapes: prepared.shapes });
      expect((await verifyGradientShapes(gm, prepared.shapes)).edges).toBeGreaterThan(5);
    }
  });

  test('when a rule emits a wrongly shaped gradient then the error names op, node and input index', async () => {
    const prepared = await prepareModel(readFileSync(path));
    const gm = buildGradientModel(decodeModel(prepared.bytes), { loss: 'ce', shapes: prepared.shapes });
    // Simulate a buggy rule: one edge reports another value's gradient, of a different shape.
    const size = (v: string) => prepared.shapes.get(v)?.shape.join('x');
    const i = gm.edges.findIndex((e) => e.opType === 'Conv');
    const j = gm.edges.findIndex((e) => size(e.forward) !== undefined && size(e.forward) !== size(gm.edges[i].forward));
    expect(i).toBeGreaterThanOrEqual(0);
    expect(j).toBeGreaterThanOrEqual(0);
    gm.edges[i] = { ...gm.edges[i], gradient: gm.edges[j].gradient };
    const e = await verifyGradientShapes(gm, prepared.shapes).catch((err) => err);
    expect(e).toBeInstanceOf(GradientShapeError);
    expect(e.operational).toBe(false);
    expect(e.message).toMatch(new RegExp(`op Conv \\(node '${gm.edges[i].node}'\\), input ${gm.edges[i].inputIndex}`));
    expect(e.details).toMatchObject({ opType: 'Conv', node: gm.edges[i].node, inputIndex: gm.edges[i].inputIndex });
  });
});
