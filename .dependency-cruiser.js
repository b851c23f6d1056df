/**
 * Gauntlet's layers, checked by dependency-cruiser (`npm run lint:layers`, part of `npm test`;
 * test/layers.test.ts proves the rules catch a planted upward import and a cycle).
 *
 * A layer imports only from the layers listed in its `mayImport` (all of them below it), so a
 * change to a layer can break only what sits above it. The list is the architecture: see
 * docs/architecture.md for the diagram. Tests (`*.test.ts`) and test helpers (`testing/`) may
 * reach across (a test of the gradient builder runs ONNX Runtime sessions), but must not form
 * cycles either.
 */

/** Bottom-up. `why` says what the layer is and why it may import what it does. */
const LAYERS = [
  { name: 'errors', mayImport: [], why: 'typed errors with their HTTP status; imports nothing' },
  { name: 'version.ts', mayImport: [], why: 'the package version' },
  { name: 'logging', mayImport: ['errors'], why: 'the structured logger' },
  { name: 'util', mayImport: ['errors'], why: 'small pure helpers (random, zod formatting, strict JSON, intervals)' },
  { name: 'config', mayImport: ['errors', 'util'], why: 'GAUNTLET_HOME and service settings read from the environment' },
  { name: 'data', mayImport: ['errors', 'util'], why: 'evaluation sets: .npy/.npz/.fits readers and writers' },
  { name: 'schema', mayImport: ['errors', 'util'], why: 'the report contract (zod schema and types), read by every layer that produces or reads reports' },
  { name: 'onnx', mayImport: ['errors', 'util', 'data'], why: 'ONNX IR: decode, encode, canonicalise, classifier detection, shape facts, static cost; float16 from data' },
  { name: 'autodiff', mayImport: ['errors', 'util', 'version.ts', 'onnx'], why: 'the gradient graph builder: ONNX graph in, ONNX graph out; runs nothing' },
  { name: 'bounds', mayImport: ['errors', 'util', 'version.ts', 'onnx', 'autodiff'], why: 'bound graphs for certification (IBP, CROWN): ONNX graph in, ONNX graph out, beside autodiff, whose gradients α-CROWN may use; runs nothing' },
  { name: 'runtime', mayImport: ['errors', 'util', 'onnx'], why: 'the ONNX Runtime adapter, the only importer of onnxruntime-node: sessions, tensors, providers, the shape probe' },
  { name: 'model', mayImport: ['errors', 'util', 'onnx', 'autodiff', 'bounds', 'runtime'], why: 'the model pipeline: prepare (canonicalise, probe, generalise, scan), gradient graphs on sessions, the Model interface, worker pool, batching' },
  { name: 'attacks', mayImport: ['errors', 'util', 'data', 'onnx', 'autodiff', 'model'], why: 'pure functions over the narrow Model interface; loss kinds from autodiff' },
  { name: 'audit', mayImport: ['errors', 'util', 'version.ts', 'data', 'schema', 'onnx', 'autodiff', 'bounds', 'runtime', 'model', 'attacks'], why: 'battery, adaptations, checks, hypocritical risk, integrity, policy gate: the audit\'s results as report data' },
  { name: 'report', mayImport: ['errors', 'util', 'version.ts', 'config', 'data', 'schema', 'attacks', 'audit'], why: 'renderers (PDF, JUnit), artifacts and signing over report data; reads the check registry for explanations' },
  { name: 'usecases', mayImport: ['errors', 'util', 'data', 'schema', 'onnx', 'model', 'runtime', 'attacks', 'audit', 'report'], why: 'whole operations on files: audit from files, recheck a signed report' },
  { name: 'jobs', mayImport: ['errors', 'util', 'version.ts', 'logging', 'config', 'data', 'schema', 'onnx', 'runtime', 'model', 'attacks', 'audit', 'report', 'usecases'], why: 'durable jobs, queues, inspection and verification in child processes' },
  { name: 'server', mayImport: ['errors', 'util', 'version.ts', 'logging', 'config', 'schema', 'report', 'jobs'], why: 'the HTTP shell over jobs' },
  { name: 'cli', mayImport: null, why: 'the command line: the top, may import any layer' },
  { name: 'index.ts', mayImport: null, why: 'the package entry: re-exports the public API' },
];

const dirPattern = (name) => (name.endsWith('.ts') ? `^src/${name.replace('.', '\\.')}$` : `^src/${name}/`);
const NOT_TESTS = ['\\.test\\.ts$', '/testing/'];

const layerRules = LAYERS.filter((l) => l.mayImport !== null).map((l) => ({
  name: `layer-${l.name.replace('.ts', '')}`,
  severity: 'error',
  comment: `${l.name}: ${l.why}. May import: ${l.mayImport.join(', ') || 'nothing in src'}.`,
  from: { path: dirPattern(l.name), pathNot: NOT_TESTS },
  to: { path: '^src/', pathNot: [dirPattern(l.name), ...l.mayImport.map(dirPattern)] },
}));

const unknownLayer = {
  name: 'layer-unknown',
  severity: 'error',
  comment: 'every source file belongs to a layer listed in .dependency-cruiser.js',
  from: { path: '^src/', pathNot: LAYERS.map((l) => dirPattern(l.name)) },
  to: {},
};

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import cycles make the layers meaningless', from: {}, to: { circular: true } },
    ...layerRules,
    unknownLayer,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },

};
