import { inflateSync } from 'node:zlib';
import { UsageError } from '../../errors';
import { AdversarialExample, checkExample, displayRange, examplePanels, imageGeometry, panelPng, upscale } from './examples';
import { crc32, encodePng } from './png';

const ex = (x: number[], xAdv: number[], shape: number[]): AdversarialExample => ({
  index: 0, label: 1, advPred: 2, attack: 'apgd-ce', norm: 0.1, x: Float32Array.from(x), xAdv: Float32Array.from(xAdv), shape,
});

/** Chunks of a PNG file, with their CRC checked. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out: { type: string; data: Buffer }[] = [];
  for (let o = 8; o < png.length;) {
    const len = png.readUInt32BE(o);
    const type = png.toString('latin1', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + len);
    expect(png.readUInt32BE(o + 8 + len)).toBe(crc32(png.subarray(o + 4, o + 8 + len)));
    out.push({ type, data });
    o += 12 + len;
  }
  return out;
}

describe('image geometry', () => {
  it('reads CHW, HWC and HW shapes, with an optional leading batch of 1', () => {
    expect(imageGeometry([1, 28, 28])).toEqual({ c: 1, h: 28, w: 28, layout: 'chw' });
    expect(imageGeometry([1, 1, 28, 28])).toEqual({ c: 1, h: 28, w: 28, layout: 'chw' });
    expect(imageGeometry([3, 32, 16])).toEqual({ c: 3, h: 32, w: 16, layout: 'chw' });
    expect(imageGeometry([32, 16, 3])).toEqual({ h: 32, w: 16, c: 3, layout: 'hwc' });
    expect(imageGeometry([28, 20])).toEqual({ h: 28, w: 20, c: 1, layout: 'hw' });
  });

  it('when the shape is not an image, then a UsageError says which shapes are accepted', () => {
    expect(() => imageGeometry([5, 6, 7])).toThrow(UsageError);
    expect(() => imageGeometry([5, 6, 7])).toThrow(/\[C,H,W\], \[H,W,C\], \[H,W\] or a vector \[D\]/);
    expect(() => imageGeometry([2, 3, 3, 3])).toThrow(UsageError);
  });

  it('when the input is a vector [D], then it is a 1 × D greyscale strip', () => {
    expect(imageGeometry([784])).toEqual({ h: 1, w: 784, c: 1, layout: 'hw', strip: true });
    expect(checkExample(ex([0, 0.5, 1], [0.1, 0.5, 0.9], [3]), 0)).toMatchObject({ h: 1, w: 3, strip: true });
  });

  it('when the data does not fit the shape, or holds NaN, then checkExample names the example', () => {
    expect(() => checkExample(ex([0, 0, 0], [0, 0, 0, 0], [2, 2]), 4)).toThrow(/examples\[4\] \(point 0\).*needs 4/);
    expect(() => checkExample(ex([0, NaN, 0, 0], [0, 0, 0, 0], [2, 2]), 0)).toThrow(/non-finite/);
  });
});

describe('example panels', () => {
  it('greyscale in [0, 1]: original and adversarial as bytes, δ scaled so ±max|δ| → 0/255 and 0 → 128', () => {
    const e = ex([0, 0.5, 1, 0.25], [0.125, 0.5, 0.875, 0.3125], [2, 2]); // exact in float32
    const p = examplePanels(e, imageGeometry(e.shape));
    expect(p.maxAbs).toBe(0.125);
    expect([...p.original]).toEqual([0, 128, 255, 64]);
    expect([...p.adversarial]).toEqual([32, 128, 223, 80]); // round(255 · [0.125, 0.5, 0.875, 0.3125])
    // δ/max|δ| = [1, 0, −1, 0.5] → 0.5 + δ/2 → [1, 0.5, 0, 0.75]
    expect([...p.perturbation]).toEqual([255, 128, 0, 191]);
  });

  it('CHW and HWC holding the same RGB image give the same pixels', () => {
    // 1×2 RGB image: pixel 0 = (0, 0.5, 1), pixel 1 = (1, 0, 0.5)
    const chw = ex([0, 1, 0.5, 0, 1, 0.5], [0, 1, 0.5, 0, 1, 0.5], [3, 1, 2]);
    const hwc = ex([0, 0.5, 1, 1, 0, 0.5], [0, 0.5, 1, 1, 0, 0.5], [1, 2, 3]);
    const a = examplePanels(chw, imageGeometry(chw.shape)), b = examplePanels(hwc, imageGeometry(hwc.shape));
    expect([...a.original]).toEqual([0, 128, 255, 255, 0, 128]);
    expect([...b.original]).toEqual([...a.original]);
    expect([...a.perturbation]).toEqual([128, 128, 128, 128, 128, 128]); // no change → mid-grey
  });

  it('display range: [0,1], [0,255], else the joint min..max', () => {
    expect(displayRange(ex([0, 1], [0.5, 0.2], [1, 2]))).toEqual([0, 1]);
    expect(displayRange(ex([0, 200], [3, 255], [1, 2]))).toEqual([0, 255]);
    expect(displayRange(ex([-2, 1], [0, 3], [1, 2]))).toEqual([-2, 3]);
  });

  it('upscale repeats each pixel f×f', () => {
    expect([...upscale(Uint8Array.of(1, 2), 2, 1, 1, 2)]).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
  });
});

describe('PNG encoder', () => {
  it('CRC-32 of "IEND" is the constant every PNG ends with', () => {
    expect(crc32(Buffer.from('IEND', 'latin1'))).toBe(0xae426082);
  });

  it('writes IHDR/IDAT/IEND whose inflated rows are the pixels behind filter byte 0', () => {
    const px = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 7);
    const c = chunks(encodePng(3, 2, 3, px));
    expect(c.map((k) => k.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(c[0].data.readUInt32BE(0)).toBe(3);
    expect(c[0].data.readUInt32BE(4)).toBe(2);
    expect([c[0].data[8], c[0].data[9]]).toEqual([8, 2]);
    const raw = inflateSync(c[1].data);
    expect([...raw]).toEqual([0, ...px.subarray(0, 9), 0, ...px.subarray(9)]);
    expect(() => encodePng(3, 2, 3, px.subarray(1))).toThrow(RangeError);
  });

  it('a 28×28 panel is upscaled 4× to 112×112 greyscale', () => {
    const g = imageGeometry([1, 28, 28]);
    const ihdr = chunks(panelPng(new Uint8Array(28 * 28), g))[0].data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[9]]).toEqual([112, 112, 0]);
  });
});
