/**
 * Sharded audits on the fixture CNN (50 points, chunks of 10, a small battery — the property does
 * not depend on the budget): three shards merged give the single run's report and bit-identical
 * adversarial examples; a shard aborted mid-run and resumed gives the same units; the merge
 * refuses shards of another configuration, missing, corrupt, unfinished or disagreeing ones.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, UsageError } from '../errors';
import { EvalSet, fileSha256, loadEvalSet, sliceEvalSet } from '../data';
import type { Report } from '../schema/report';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { AuditOptions, AuditProgress, AuditResult, runAuditWithExamples } from './audit';
import { tinyBattery } from './testing/tiny-battery';
import { CheckpointFile } from './checkpoint';
import { ShardResult, mergeShardCheckpoints, runAuditShard, runShardedAuditLocally } from './shards';

const FIX = join(__dirname, '..', '..', 'fixtures');
const DATA = join(FIX, 'data', 'mnist-eval.npz');
const N = 50;
const CHUNK = 10;
const SHARDS = 3;


/**
 * The figures of a report: everything but its date, the measured timings, each stage's seconds and
 * hypocritical.seconds (the shards' units keep the seconds measured in the shards; the
 * hypocritical phase is timed afresh in every run).
 */
function figures(r: Report): unknown {
  const { createdAt: _c, timings: _t, ...rest } = r;
  return JSON.parse(JSON.stringify({
    ...rest,
    stages: r.stages.map(({ seconds: _s, ...s }) => s),
    hypocritical: r.hypocritical && { ...r.hypocritical, seconds: 0 },
  }));
}

const read = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as CheckpointFile;
/** A unit without its measured seconds. */
const sansSeconds = (u: unknown) => {
  const { seconds: _s, ...rest } = u as Record<string, unknown>;
  return rest;
};
/** The chunk a unit id belongs to, or null for a global unit. */
const chunkOf = (id: string) => {
  const m = /^(?:battery|sweep@[^/]+)\/[^/]+\/(\d+)$|^minimal-norms\/(\d+)$/.exec(id);
  return m ? Number(m[1] ?? m[2]) : null;
};

let model: Model;
let data: EvalSet;
let o: AuditOptions;
let single: AuditResult;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-shards-'));
const merged = join(dir, 'merged.json');
const shardPath = (i: number) => `${merged}.shard-${i}-of-${SHARDS}`;

beforeAll(async () => {
  model = await loadModel(join(FIX, 'models', 'cnn.onnx'), { inProcess: true, threads: 1 });
  data = sliceEvalSet(loadEvalSet(DATA), 0, N);
  o = {
    model, modelName: 'cnn.onnx', data, dataName: 'mnist-eval.npz', dataSha256: fileSha256(DATA),
    threat: { norm: 'linf', eps: 0.1 }, seed: 5, battery: tinyBattery(), chunk: CHUNK,
  };
  single = await runAuditWithExamples(o);
}, 60_000);
afterAll(() => model.close());

describe('sharded audit', () => {
  let shards: ShardResult[];

  it('three shards merged give the single run\'s report and bit-identical adversarial examples', async () => {
    const r = await runShardedAuditLocally({ ...o, checkpointPath: merged }, SHARDS);
    shards = r.shards;
    expect(figures(r.report)).toEqual(figures(single.report));
    expect(r.report.resumed).toBe(0);
    expect(r.merge.differing).toEqual([]);

    const a = r.adversarial, b = single.adversarial;
    expect([...a.index]).toEqual([...b.index]);
    expect([...a.stage]).toEqual([...b.stage]);
    expect([...a.norm]).toEqual([...b.norm]);
    expect([...a.pred]).toEqual([...b.pred]);
    expect(Buffer.from(a.xAdv.buffer).equals(Buffer.from(b.xAdv.buffer))).toBe(true);
    // Not vacuous: points broken by more than one stage, some robust.
    expect(new Set(b.stage).size).toBeGreaterThan(1);
    expect(single.report.robustAccuracy).toBeGreaterThan(0);
    expect(single.report.robustAccuracy).toBeLessThan(single.report.cleanAccuracy);

    // Ownership: shard i holds the units of the chunks c ≡ i (mod 3) and only those, plus clean and probe.
    expect(shards.map((s) => s.chunks)).toEqual([[0, 3], [1, 4], [2]]);
    const after = read(merged).units;
    for (let i = 0; i < SHARDS; i++) {
      const units = read(shardPath(i)).units;
      const chunks = new Set(Object.keys(units).map(chunkOf));
      expect(chunks).toEqual(new Set([null, ...shards[i].chunks]));
      expect(Object.keys(units).filter((id) => chunkOf(id) === null).sort()).toEqual(['clean', 'probe']);
      // The final run replayed the shards' chunk units (a recomputed unit would carry new seconds).
      for (const [id, unit] of Object.entries(units)) if (chunkOf(id) !== null) expect({ id, unit: after[id] }).toEqual({ id, unit });
    }
  }, 60_000);

  it('a shard aborted mid-run refuses to merge, and resumed gives the same units and report', async () => {
    const path = join(dir, 'aborted.json');
    const ctl = new AbortController();
    const seen: number[] = [];
    const onProgress = (p: AuditProgress) => { seen.push(p.fraction ?? 0); if ((p.fraction ?? 0) >= 0.4) ctl.abort(); };
    await expect(runAuditShard({ ...o, checkpointPath: path, signal: ctl.signal, onProgress }, { index: 1, count: SHARDS })).rejects.toBeInstanceOf(CancelledError);
    const saved = Object.keys(read(path).units).length;
    expect(saved).toBeGreaterThan(2);
    expect(saved).toBeLessThan(Object.keys(read(shardPath(1)).units).length);
    expect(() => mergeShardCheckpoints([shardPath(0), path, shardPath(2)], join(dir, 'm2.json'))).toThrow(/shard 1 .* did not finish; resume it/);

    const fractions: number[] = [];
    const r = await runAuditShard({ ...o, checkpointPath: path, resume: true, onProgress: (p) => fractions.push(p.fraction ?? -1) }, { index: 1, count: SHARDS });
    expect(r.replayed).toBe(saved);
    expect(r.units).toBe(shards[1].units);
    expect(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]))).toBe(true);
    expect(fractions[fractions.length - 1]).toBe(1);
    const whole = read(shardPath(1)).units, resumed = read(path).units;
    expect(Object.keys(resumed).sort()).toEqual(Object.keys(whole).sort());
    for (const id of Object.keys(whole)) expect({ id, unit: sansSeconds(resumed[id]) }).toEqual({ id, unit: sansSeconds(whole[id]) });

    const into = join(dir, 'm2.json');
    mergeShardCheckpoints([shardPath(2), path, shardPath(0)], into); // any order
    const final = await runAuditWithExamples({ ...o, checkpointPath: into, resume: true });
    expect(final.report.resumed).toBe(0);
    expect(figures(final.report)).toEqual(figures(single.report));
  }, 60_000);

  it('the merge refuses another configuration, missing, corrupt, duplicate or disagreeing shards', async () => {
    const into = join(dir, 'refused.json');
    const other = join(dir, 'other-seed.json');
    await runAuditShard({ ...o, seed: 6, checkpointPath: other }, { index: 2, count: SHARDS });
    const merge = (paths: string[]) => () => mergeShardCheckpoints(paths, into);
    expect(merge([shardPath(0), shardPath(1), other])).toThrow(UsageError);
    expect(merge([shardPath(0), shardPath(1), other])).toThrow(/made for a different audit .*differs in seed/);
    expect(merge([shardPath(0), shardPath(2)])).toThrow(/shard 1 of 3 is missing/);
    expect(merge([shardPath(0), shardPath(1), join(dir, 'absent.json')])).toThrow(/absent\.json does not exist/);
    expect(merge([shardPath(0), shardPath(0), shardPath(1)])).toThrow(/are both shard 0 of 3/);

    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, readFileSync(shardPath(2), 'utf8').slice(0, 200));
    expect(merge([shardPath(0), shardPath(1), corrupt])).toThrow(/corrupt\.json is not a readable checkpoint/);
    expect(merge([shardPath(0), shardPath(1), merged])).toThrow(/merged\.json is not a shard's checkpoint/);

    const recount = join(dir, 'recount.json');
    const f = read(shardPath(2));
    writeFileSync(recount, JSON.stringify({ ...f, shard: { ...f.shard, count: 4 } }));
    expect(merge([shardPath(0), shardPath(1), recount])).toThrow(/is shard 2 of 4 but .* is shard 0 of 3/);

    // A deterministic model: every shard's clean predictions must agree.
    const tampered = join(dir, 'tampered.json');
    const g = read(shardPath(1)) as CheckpointFile & { units: { clean: { value: number[] } } };
    g.units.clean.value[0] = (g.units.clean.value[0] + 1) % 10;
    writeFileSync(tampered, JSON.stringify(g));
    expect(merge([shardPath(0), tampered, shardPath(2)])).toThrow(/shards 0 and 1 disagree on unit 'clean'/);
    expect(() => read(into)).toThrow(); // nothing written

    // A shard's checkpoint resumes only as that shard, and is no audit checkpoint.
    copyFileSync(shardPath(0), join(dir, 's0.json'));
    await expect(runAuditShard({ ...o, checkpointPath: join(dir, 's0.json'), resume: true }, { index: 1, count: SHARDS })).rejects.toThrow(/cannot resume shard 1 of 3: .* is the checkpoint of shard 0 of 3/);
    await expect(runAuditWithExamples({ ...o, checkpointPath: join(dir, 's0.json'), resume: true })).rejects.toThrow(/merge the shards' checkpoints/);
    await expect(runAuditShard({ ...o, checkpointPath: null }, { index: 0, count: 2 })).rejects.toThrow(/needs a checkpoint file/);
    await expect(runAuditShard({ ...o, checkpointPath: join(dir, 'x.json') }, { index: 3, count: 3 })).rejects.toThrow(/shard index must be an integer in \[0, 2\], got 3/);
  }, 60_000);

  it('random ops: shard 0\'s clean predictions are kept, and chunk units computed from other ones are run again', async () => {
    // Simulates a model with random ops whose shard 0 drew another clean prediction for point 12
    // (chunk 1, owned by shard 1, whose units attacked the point as clean-correct).
    const P = 12;
    expect(single.report.points.cleanPred[P]).toBe(single.report.points.label[P]);
    const paths = [0, 1, 2].map((i) => join(dir, `random-${i}.json`));
    for (let i = 0; i < SHARDS; i++) {
      const f = read(shardPath(i)) as CheckpointFile & { units: { clean: { value: number[] } } };
      if (i === 0) f.units.clean.value[P] = (f.units.clean.value[P] + 1) % 10;
      writeFileSync(paths[i], JSON.stringify({ ...f, shard: { ...f.shard!, randomOps: true } }));
    }
    const into = join(dir, 'random-merged.json');
    expect(mergeShardCheckpoints(paths, into).differing).toEqual(['clean']);
    const final = await runAuditWithExamples({ ...o, checkpointPath: into, resume: true });

    // Units that attacked point P are stale and were run again without it; the others were replayed.
    const idxOf = (u: unknown) => ((u as { idx?: number[] }).idx ?? (u as { value: { idx: number[] } }).value.idx);
    const before = Object.entries(read(paths[1]).units).filter(([id]) => chunkOf(id) === 1);
    const after = read(into).units;
    const stale = before.filter(([, u]) => idxOf(u).includes(P));
    expect(stale.length).toBeGreaterThan(1); // the first battery stage and the minimal norms at least
    for (const [id, u] of before) {
      if (idxOf(u).includes(P)) expect({ id, idx: idxOf(after[id]) }).toEqual({ id, idx: idxOf(u).filter((i) => i !== P) });
      else expect({ id, unit: after[id] }).toEqual({ id, unit: u });
    }
    // Point P counts as misclassified, never as robust; every other point is as in the single run.
    const pts = final.report.points, ref = single.report.points;
    expect([pts.cleanPred[P], pts.robust[P], pts.brokenBy[P]]).toEqual([(ref.cleanPred[P] + 1) % 10, 0, -1]);
    for (const k of ['cleanPred', 'robust', 'brokenBy', 'advPred', 'perturbationNorm'] as const) {
      expect((pts[k] as number[]).filter((_, i) => i !== P)).toEqual((ref[k] as number[]).filter((_, i) => i !== P));
    }
  }, 60_000);
});
