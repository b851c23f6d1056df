import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors';
import { Checkpoint, canonicalJson } from './checkpoint';

const dir = () => mkdtempSync(join(tmpdir(), 'gauntlet-ckpt-'));

describe('Checkpoint', () => {
  it('runs a unit once, saves it, and replays it on resume without running it', async () => {
    const path = join(dir(), 'c.json');
    const cfg = { model: 'm', eps: 0.1 };
    const a = Checkpoint.open(path, cfg, false);
    let runs = 0;
    const work = async () => { runs++; return { v: [1, 2, 3], f: new Float64Array([0.5]).length }; };
    expect(await a.unit('u1', work)).toEqual({ v: [1, 2, 3], f: 1 });
    expect(runs).toBe(1);
    const b = Checkpoint.open(path, { eps: 0.1, model: 'm' }, true); // key order does not matter
    expect(b.resumed).toBe(1);
    expect(await b.unit('u1', work)).toEqual({ v: [1, 2, 3], f: 1 });
    expect(runs).toBe(1);
    expect(b.replayedUnits).toBe(1);
    await b.unit('u2', work);
    expect(runs).toBe(2);
    expect(readdirSync(join(path, '..')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('without --resume an existing checkpoint is replaced', async () => {
    const path = join(dir(), 'c.json');
    await Checkpoint.open(path, { a: 1 }, false).unit('u', async () => 1);
    const c = Checkpoint.open(path, { a: 1 }, false);
    expect(c.has('u')).toBe(false);
    expect(c.resumed).toBe(0);
  });

  it('refuses to resume a checkpoint of another configuration, naming what differs', async () => {
    const path = join(dir(), 'c.json');
    await Checkpoint.open(path, { model: 'm', eps: 0.1 }, false).unit('u', async () => 1);
    expect(() => Checkpoint.open(path, { model: 'm', eps: 0.2 }, true)).toThrow(UsageError);
    expect(() => Checkpoint.open(path, { model: 'm', eps: 0.2 }, true)).toThrow(/differs in eps/);
  });

  it('refuses a corrupt checkpoint with a clear error', () => {
    const path = join(dir(), 'c.json');
    writeFileSync(path, '{"schema": "gauntlet-checkpoint-1", "units": ');
    expect(() => Checkpoint.open(path, {}, true)).toThrow(/not a readable checkpoint/);
    writeFileSync(path, '{"hello": 1}');
    expect(() => Checkpoint.open(path, {}, true)).toThrow(/not a gauntlet-checkpoint-1 checkpoint/);
  });

  it('resume with no checkpoint file starts fresh; a null path keeps everything in memory', async () => {
    const path = join(dir(), 'none.json');
    expect(Checkpoint.open(path, {}, true).resumed).toBe(0);
    const m = Checkpoint.open(null, {}, false);
    expect(await m.unit('x', async () => 'y')).toBe('y');
    expect(existsSync(path)).toBe(false);
  });

  it('a unit result goes through JSON both ways (fresh and replayed look alike)', async () => {
    const path = join(dir(), 'c.json');
    const fresh = await Checkpoint.open(path, {}, false).unit('u', async () => ({ a: undefined, b: [1.5], c: 'x' }));
    expect(fresh).toEqual({ b: [1.5], c: 'x' });
    expect(JSON.parse(readFileSync(path, 'utf8')).units.u).toEqual(fresh);
  });

  it('canonicalJson sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});
