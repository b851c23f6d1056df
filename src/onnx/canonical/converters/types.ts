/**
 * Converters for data types: Cast / CastLike (string `to`, saturate) and QuantizeLinear /
 * DequantizeLinear (block_size, saturate, output_dtype).
 */
import { attrInt, tensorFromNumbers } from '../../ir';
import { codeFromTypeName, dtypeFromCode } from '../../dtype';
import { I, NodeCtx } from '../context';

/** Cast: string `to` (< 6) → code; float8/int4 targets rejected; saturate (19) dropped. */
export function cast(c: NodeCtx): void {
  const n = c.node;
  const to = n.attributes.get('to');
  let code: number | undefined;
  if (to?.type === 'string') {
    const key = to.value.toUpperCase().replace(/^TENSORPROTO\./, '');
    code = codeFromTypeName(key);
    if (code === undefined) c.fail(`unknown 'to' type '${to.value}'`);
    n.attributes.set('to', I(code));
    c.note('Cast < 6: string `to` → data-type code');
  } else if (to?.type === 'int') code = to.value;
  if (code === undefined) c.fail("attribute 'to' missing");
  if (code > 16) c.fail(`cast to data type ${code} (float8/int4/float4, opset ≥ 19) has no opset-17 equivalent`);
  if (c.has('saturate')) { c.drop('saturate'); c.note('Cast 19: saturate dropped (only affects float8 targets)'); }
  c.keep();
}

/** CastLike 19: saturate dropped. */
export function castLike(c: NodeCtx): void {
  if (c.has('saturate')) { c.drop('saturate'); c.note('CastLike 19: saturate dropped (only affects float8 targets)'); }
  c.keep();
}

/** QuantizeLinear/DequantizeLinear 19/21 → 13 form (block_size, saturate, output_dtype). */
export function quantize(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 19) return c.keep();
  const q = n.opType === 'QuantizeLinear';
  if (attrInt(n, 'block_size', 0) !== 0) c.fail(`blocked quantization (block_size=${attrInt(n, 'block_size')}, opset 21) has no opset-17 equivalent`);
  c.drop('block_size');
  if (c.has('saturate')) c.drop('saturate');
  const scaleType = c.dtype(n.inputs[1] ?? '');
  if (scaleType && scaleType !== 'float32') c.fail(`scale of type ${scaleType} (opset ≥ 19); opset 17 only has float32 scales`);
  const dataType = c.dtype(n.inputs[0]);
  if (q && dataType && dataType !== 'float32' && dataType !== 'int32') c.fail(`input of type ${dataType}; opset 17 quantizes float32/int32`);
  if (!q && dataType && !['int8', 'uint8', 'int32'].includes(dataType)) c.fail(`input of type ${dataType}; opset 17 dequantizes int8/uint8/int32`);
  const od = attrInt(n, 'output_dtype', 0);
  c.drop('output_dtype');
  const inputs = [...n.inputs];
  if (od !== 0) {
    const want = dtypeFromCode(od);
    if (!q) {
      if (want !== 'float32') c.fail(`output_dtype ${want ?? od}; opset 17 dequantizes to float32`);
    } else if (inputs[2]) {
      const zp = c.dtype(inputs[2]);
      if (zp && zp !== want) c.fail(`output_dtype ${want ?? od} differs from the zero point's type ${zp}`);
    } else if (want === 'int8') {
      const sd = c.dims(inputs[1]);
      if (!sd || sd.some((d) => typeof d !== 'number')) c.fail('int8 output without zero point: the shape of the scale is unknown');
      inputs[2] = c.constant('zero_point', tensorFromNumbers('int8', sd as number[], new Array((sd as number[]).reduce((a, b) => a * b, 1)).fill(0)));
    } else if (want !== 'uint8') c.fail(`output_dtype ${want ?? od}; opset 17 quantizes to uint8/int8`);
  }
  c.note(`${n.opType}-${c.v} → 13 form`);
  c.final(n.opType, inputs, n.attributes);
}
