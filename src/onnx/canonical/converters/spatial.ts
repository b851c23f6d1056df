/**
 * Converters for spatial resampling and pooling: Upsample and Resize (every version) to the
 * Resize-13 form, GridSample mode names, RoiAlign coordinates, LpPool / AveragePool attributes.
 */
import { attrFloat, attrFloats, attrInt, attrInts, attrString, tensorFromNumbers } from '../../ir';
import { Attrs, I, NodeCtx, S, normAxis } from '../context';

/** Resize-13 node for Upsample / Resize-10 (asymmetric coordinates). */
function resizeFromLegacy(c: NodeCtx, scalesName: string, scales: number[] | undefined, what: string): void {
  const n = c.node;
  let mode = attrString(n, 'mode', 'nearest');
  if (mode === 'bilinear') mode = 'linear';
  if (mode !== 'nearest' && mode !== 'linear') c.fail(`mode '${mode}' is not supported`);
  const attrs: Attrs = { mode: S(mode), coordinate_transformation_mode: S('asymmetric') };
  if (mode === 'nearest') {
    if (n.opType === 'Upsample') attrs.nearest_mode = S('floor'); // scales ≥ 1: truncation
    else {
      if (!scales) c.fail('nearest mode with non-constant scales: rounding (floor when upsampling, ceil when downsampling) cannot be chosen statically');
      const down = scales.some((s) => s < 1), up = scales.some((s) => s > 1);
      if (down && up) c.fail('nearest mode mixing upsampling and downsampling axes has no opset-13 equivalent');
      attrs.nearest_mode = S(down ? 'ceil' : 'floor');
    }
  }
  c.note(`${what} → Resize-13 (asymmetric coordinates)`);
  c.final('Resize', [n.inputs[0], '', scalesName], attrs);
}

/** Upsample (1, 7, 9, 10) → Resize-13. */
export function upsample(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 7) {
    const hs = attrFloat(n, 'height_scale'), ws = attrFloat(n, 'width_scale');
    if (hs === undefined || ws === undefined) c.fail('height_scale/width_scale missing');
    const s = [1, 1, hs, ws];
    return resizeFromLegacy(c, c.floats(s), s, 'Upsample-1');
  }
  if (c.v < 9) {
    const s = attrFloats(n, 'scales');
    if (!s) c.fail('scales attribute missing');
    return resizeFromLegacy(c, c.floats(s), s, 'Upsample-7');
  }
  const s = c.constInts(n.inputs[1] ?? '');
  return resizeFromLegacy(c, n.inputs[1], s, `Upsample-${c.v}`);
}

/** Resize 10 → Resize-13 form; 11-17: tf_half_pixel_for_nn and empty roi/scales; 18/19: antialias, policy, axes. */
export function resize(c: NodeCtx): void {
  const n = c.node;
  if (c.v === 10) return resizeFromLegacy(c, n.inputs[1], c.constInts(n.inputs[1] ?? ''), 'Resize-10');
  const inputs = [...n.inputs];
  // Empty constant roi/scales (required inputs in 11) become omitted inputs.
  for (const i of [1, 2]) {
    const t = inputs[i] ? c.facts.constant(inputs[i]) : undefined;
    if (t && t.data.length === 0) inputs[i] = '';
  }
  let ctm = attrString(n, 'coordinate_transformation_mode', 'half_pixel');
  const mode = attrString(n, 'mode', 'nearest');
  if (ctm === 'tf_half_pixel_for_nn') {
    // x_orig = (x+0.5)/s = y + 0.5 with y the half_pixel coordinate: floor(y+0.5) = round_prefer_ceil(y)
    // and round_prefer_floor(y+0.5) = ceil(y); the other nearest modes have no half_pixel equivalent.
    const nm = attrString(n, 'nearest_mode', 'round_prefer_floor');
    const map: Record<string, string> = { floor: 'round_prefer_ceil', round_prefer_floor: 'ceil' };
    if (mode !== 'nearest' || !map[nm]) c.fail(`coordinate_transformation_mode 'tf_half_pixel_for_nn' (removed in opset 13) with mode '${mode}', nearest_mode '${nm}' has no equivalent`);
    n.attributes.set('coordinate_transformation_mode', S('half_pixel'));
    n.attributes.set('nearest_mode', S(map[nm]));
    ctm = 'half_pixel';
    c.note('Resize tf_half_pixel_for_nn (removed in opset 13) → half_pixel with the equivalent nearest_mode');
  }
  if (c.v < 18) return c.final('Resize', inputs, n.attributes);
  // 18/19 → 13
  if (attrInt(n, 'antialias', 0) !== 0) c.fail('antialias=1 (opset 18) has no opset-17 equivalent');
  if (ctm === 'half_pixel_symmetric') c.fail("coordinate_transformation_mode 'half_pixel_symmetric' (opset 19) has no opset-17 equivalent");
  const policy = attrString(n, 'keep_aspect_ratio_policy', 'stretch');
  const sizesName = inputs[3] ?? '';
  if (policy !== 'stretch' && sizesName) c.fail(`keep_aspect_ratio_policy '${policy}' (opset 18) has no opset-17 equivalent`);
  if (policy !== 'stretch') c.note('Resize 18: keep_aspect_ratio_policy dropped (it only applies to sizes; scales are used)');
  const axes = attrInts(n, 'axes');
  c.drop('antialias', 'keep_aspect_ratio_policy', 'axes');
  if (axes) {
    if (ctm === 'tf_crop_and_resize' && inputs[1]) c.fail('axes with tf_crop_and_resize (roi per axis) is not supported');
    const x = inputs[0];
    const rank = c.rank(x);
    if (inputs[2]) {
      const s = c.constInts(inputs[2]);
      if (s && rank !== undefined) {
        const full = new Array(rank).fill(1);
        axes.forEach((a, i) => (full[normAxis(c, a, rank, 'axis')] = s[i]));
        inputs[2] = c.floats(full);
      } else {
        const ones = c.emit1('ConstantOfShape', [c.emit1('Shape', [c.emit1('Shape', [x])])], {
          value: { type: 'tensor', value: tensorFromNumbers('float32', [1], [1]) },
        });
        inputs[2] = c.emit1('ScatterElements', [ones, c.ints(axes), inputs[2]], { axis: I(0) });
      }
    }
    if (sizesName) inputs[3] = c.emit1('ScatterElements', [c.emit1('Shape', [x]), c.ints(axes), sizesName], { axis: I(0) });
    c.note('Resize 18: axes attribute → full-rank scales/sizes');
  }
  c.note(`Resize-${c.v} → Resize-13 form`);
  c.final('Resize', inputs, n.attributes);
}

/** GridSample 20: mode names → opset-16 names (4-D only). */
export function gridSample(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 20) return c.keep();
  const rank = c.rank(n.inputs[0]);
  if (rank !== undefined && rank !== 4) c.fail(`${rank}-D input (opset 20 N-D GridSample); opset 17 supports 4-D only`);
  const mode = attrString(n, 'mode', 'linear');
  const map: Record<string, string> = { linear: 'bilinear', cubic: 'bicubic', nearest: 'nearest', bilinear: 'bilinear', bicubic: 'bicubic' };
  if (!map[mode]) c.fail(`mode '${mode}' is not supported`);
  n.attributes.set('mode', S(map[mode]));
  c.note('GridSample 20: mode names → opset-16 names');
  c.keep();
}

/** RoiAlign < 16: coordinate_transformation_mode='output_half_pixel' made explicit. */
export function roiAlign(c: NodeCtx): void {
  if (c.v < 16) {
    c.node.attributes.set('coordinate_transformation_mode', S('output_half_pixel'));
    c.note("RoiAlign < 16: coordinate_transformation_mode='output_half_pixel' made explicit (the old behaviour)");
  }
  c.keep();
}

/** LpPool/GlobalLpPool-1: float p → int p; LpPool 18: ceil_mode and dilations must be defaults. */
export function lpPool(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 2) {
    const p = attrFloat(n, 'p', 2);
    if (!Number.isInteger(p)) c.fail(`p=${p} is not an integer; opset ≥ 2 only supports integer p`);
    n.attributes.set('p', I(p));
    c.note(`${n.opType}-1: float p → int p`);
  }
  if (n.opType === 'LpPool' && c.v >= 18) {
    if (attrInt(n, 'ceil_mode', 0) !== 0) c.fail('ceil_mode=1 (opset 18) has no opset-17 equivalent');
    const dil = attrInts(n, 'dilations');
    if (dil && dil.some((d) => d !== 1)) c.fail(`dilations [${dil}] (opset 18) have no opset-17 equivalent`);
    c.drop('ceil_mode', 'dilations');
  }
  c.keep();
}

/** AveragePool 19: dilations must be 1 and are dropped. */
export function averagePool(c: NodeCtx): void {
  if (c.v >= 19) {
    const dil = attrInts(c.node, 'dilations');
    if (dil && dil.some((d) => d !== 1)) c.fail(`dilations [${dil}] (opset 19) have no opset-17 equivalent`);
    if (dil) { c.drop('dilations'); c.note('AveragePool 19: unit dilations dropped'); }
  }
  c.keep();
}
