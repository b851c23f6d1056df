/**
 * The canonicaliser: walks a model graph by graph (subgraphs recursively, with their outer scope's
 * facts), dispatches each node to its converter or checks that its version needs none, and
 * reassembles the graph (fresh names, added constants, pruned folded initializers).
 */
import { ModelError } from '../../errors';
import { DType, Graph, Model, Node, ValueInfo } from '../ir';
import {
  CANONICAL_OPSET, EXPERIMENTAL_REJECTED, HISTORY, MAX_SOURCE_OPSET, onnxSinceVersion, semanticBumps,
} from './history';
import { Facts, constantNodeValue, inferFacts, unknownDims } from './facts';
import { CanonicalizerScope, GraphOut, NodeCtx, Notes } from './context';
import { CONVERTERS, EXPERIMENTAL } from './converters';

/** Options of `canonicalize`. */
export interface CanonicalizeOptions {
  /**
   * Known dtype and shape of values (e.g. runtime/probe.ts `probeShapes` of the original model).
   * Only the rank and dtype are used: a probe's sizes are those of one synthetic batch.
   */
  shapes?: ReadonlyMap<string, { dtype?: DType; shape?: readonly number[] }>;
}

/** A canonical model and what was changed to make it so. */
export interface CanonicalResult {
  model: Model;
  /** What was converted, dropped or assumed (aggregated; one line per kind of change). */
  notes: string[];
}

function cloneNode(n: Node): Node {
  return { ...n, inputs: [...n.inputs], outputs: [...n.outputs], attributes: new Map(n.attributes) };
}

class Canonicalizer implements CanonicalizerScope {
  readonly notes = new Notes();
  private readonly names: Set<string>;
  private counter = 0;

  constructor(readonly opset: number, model: Model, private readonly opts: CanonicalizeOptions) {
    this.names = new Set();
    collectNames(model.graph, this.names);
  }

  fresh(base: string): string {
    let name: string;
    do name = `${base}_${this.counter++}`; while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  graph(g: Graph, outer: Facts | undefined): Graph {
    const facts = new Facts(outer);
    for (const [k, t] of g.initializers) {
      facts.consts.set(k, t); facts.dtypes.set(k, t.dtype); facts.shapes.set(k, [...t.dims]); facts.ownInitializers.add(k);
    }
    for (const n of g.nodes) {
      if (n.opType === 'Constant' && n.domain === '') {
        const t = constantNodeValue(n);
        if (t) facts.consts.set(n.outputs[0], t);
      }
    }
    for (const vi of [...g.inputs, ...g.outputs, ...g.valueInfo.values()]) {
      facts.setDtype(vi.name, vi.dtype);
      facts.setShape(vi.name, vi.shape ? [...vi.shape] : undefined);
    }
    for (const [k, m] of this.opts.shapes ?? []) {
      facts.setDtype(k, m.dtype);
      if (m.shape) facts.setShape(k, unknownDims(m.shape.length));
    }
    inferFacts(g, facts, this.opset);

    const uses = new Map<string, number>();
    countUses(g, uses);
    const out: GraphOut = {
      nodes: [], initializers: new Map(), dropInfo: new Set(), consumed: new Set(), constCache: new Map(),
    };
    for (const original of g.nodes) {
      const node = cloneNode(original);
      for (const [k, a] of node.attributes) {
        if (a.type === 'graph') node.attributes.set(k, { type: 'graph', value: this.graph(a.value, facts) });
      }
      this.convert(node, facts, out, uses);
    }

    const initializers = new Map(g.initializers);
    for (const [k, t] of out.initializers) initializers.set(k, t);
    if (out.consumed.size > 0) {
      const refs = new Map<string, number>();
      const probe: Graph = { ...g, nodes: out.nodes, initializers };
      countUses(probe, refs);
      for (const k of out.consumed) {
        if (!refs.get(k)) { initializers.delete(k); this.notes.add('constant axes/pads initializers folded into attributes were removed'); }
      }
    }
    const valueInfo = new Map<string, ValueInfo>();
    for (const [k, vi] of g.valueInfo) if (!out.dropInfo.has(k)) valueInfo.set(k, vi);
    return {
      name: g.name, nodes: out.nodes, inputs: g.inputs.map((v) => ({ ...v })), outputs: g.outputs.map((v) => ({ ...v })),
      initializers, valueInfo,
    };
  }

  private convert(node: Node, facts: Facts, out: GraphOut, uses: ReadonlyMap<string, number>): void {
    const where = `(op ${node.opType}, node '${node.name}')`;
    if (node.domain !== '') {
      throw new ModelError(`custom operator domain '${node.domain}' ${where} is not supported`, {
        domain: node.domain, opType: node.opType, node: node.name,
      });
    }
    if (node.attributes.has('consumed_inputs')) {
      node.attributes.delete('consumed_inputs');
      this.notes.add('legacy consumed_inputs attributes dropped');
    }
    const op = node.opType;
    const converter = CONVERTERS[op];
    const history = HISTORY.get(op);
    if (!history) {
      if (converter && EXPERIMENTAL.has(op)) { converter(new NodeCtx(this, node, 0, facts, out, uses)); return; }
      if (EXPERIMENTAL_REJECTED.has(op)) {
        throw new ModelError(`experimental operator ${op} (node '${node.name}', opset ${this.opset}) has no opset-17 equivalent`, { node: node.name, opType: op });
      }
      throw new ModelError(`unknown ai.onnx operator ${op} (node '${node.name}', opset ${this.opset})`, { node: node.name, opType: op });
    }
    const v = onnxSinceVersion(op, this.opset);
    if (v === undefined) {
      // ThresholdedRelu and MeanVarianceNormalization existed as experimental ops before their official versions.
      if (converter && EXPERIMENTAL.has(op)) { converter(new NodeCtx(this, node, 0, facts, out, uses)); return; }
      throw new ModelError(`operator ${op} (node '${node.name}') does not exist at opset ${this.opset} (introduced in opset ${history[0].version})`);
    }
    const target = onnxSinceVersion(op, CANONICAL_OPSET);
    if (target === undefined && !converter) {
      throw new ModelError(`${op} node '${node.name}' (opset ${this.opset}): ${op}-${v} has no opset-17 equivalent`);
    }
    if (converter) {
      converter(new NodeCtx(this, node, v, facts, out, uses));
      return;
    }
    const bumps = semanticBumps(op, v, target!);
    if (bumps.length > 0) {
      throw new ModelError(`${op} node '${node.name}' (opset ${this.opset}): ${op}-${v} differs from ${op}-${target} (changed in opset ${bumps.join(', ')}) and no conversion is implemented`);
    }
    out.nodes.push(node);
  }
}

function collectNames(g: Graph, names: Set<string>): void {
  for (const v of [...g.inputs, ...g.outputs]) names.add(v.name);
  for (const k of g.initializers.keys()) names.add(k);
  for (const k of g.valueInfo.keys()) names.add(k);
  for (const n of g.nodes) {
    names.add(n.name);
    for (const x of n.inputs) if (x) names.add(x);
    for (const x of n.outputs) if (x) names.add(x);
    for (const a of n.attributes.values()) if (a.type === 'graph') collectNames(a.value, names);
  }
}

/** Counts reads of every value in g and its subgraphs, plus graph outputs (of g and subgraphs). */
function countUses(g: Graph, uses: Map<string, number>): void {
  const add = (x: string) => { if (x) uses.set(x, (uses.get(x) ?? 0) + 1); };
  for (const o of g.outputs) add(o.name);
  for (const n of g.nodes) {
    for (const x of n.inputs) add(x);
    for (const a of n.attributes.values()) if (a.type === 'graph') countUses(a.value, uses);
  }
}

/**
 * Returns an equivalent model with opset-17 semantics (see the file comment). Throws ModelError
 * for anything that cannot be expressed at opset 17.
 */
export function canonicalize(model: Model, opts: CanonicalizeOptions = {}): CanonicalResult {
  const opset = model.opsetImports.get('') ?? model.opsetImports.get('ai.onnx');
  if (opset === undefined) {
    const hasDefault = anyNode(model.graph, (n) => n.domain === '');
    if (hasDefault) throw new ModelError('the model uses ai.onnx operators but does not import the ai.onnx opset');
  }
  const declared = opset ?? CANONICAL_OPSET;
  if (declared > MAX_SOURCE_OPSET) {
    throw new ModelError(`ai.onnx opset ${declared} is newer than opset ${MAX_SOURCE_OPSET}, the newest Gauntlet converts; re-export at opset ≤ ${MAX_SOURCE_OPSET}`);
  }
  if (declared < 1) throw new ModelError(`invalid ai.onnx opset ${declared}`);
  const c = new Canonicalizer(declared, model, opts);
  const graph = c.graph(model.graph, undefined);
  if (declared !== CANONICAL_OPSET) c.notes.add(`converted from ai.onnx opset ${declared} to opset ${CANONICAL_OPSET}`);
  const dropped = [...model.opsetImports.keys()].filter((d) => d !== '' && d !== 'ai.onnx');
  if (dropped.length > 0) c.notes.add(`unused opset imports dropped: ${dropped.join(', ')}`);
  return {
    model: {
      irVersion: Math.max(model.irVersion, 8),
      opsetImports: new Map([['', CANONICAL_OPSET]]),
      producerName: model.producerName,
      producerVersion: model.producerVersion,
      graph,
    },
    notes: c.notes.list(),
  };
}

function anyNode(g: Graph, pred: (n: Node) => boolean): boolean {
  return g.nodes.some((n) => pred(n) || [...n.attributes.values()].some((a) => a.type === 'graph' && anyNode(a.value, pred)));
}
