/**
 * docs/supported-ops.md, generated from the registries so the doc cannot drift (STYLE.md §5): the
 * gradient registry's rows (src/autodiff/supported-ops.ts) joined with the bound-rule registry
 * (src/bounds/registry.ts). It lives here, above both layers, because autodiff must not import
 * bounds. Printed by scripts/supported-ops.ts (`npm run docs:ops`).
 */
import { GRADIENT_KIND_LABELS, gradientOpRows } from '../autodiff/supported-ops';
import type { OpClass } from '../autodiff/types';
import { boundMethods } from '../bounds/registry';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The Markdown of docs/supported-ops.md. */
export function supportedOpsMarkdown(): string {
  const gradient = new Map(gradientOpRows().map((r) => [r.op, r]));
  const bounded = [...gradient.keys(), ...boundMethods().keys()];
  const ops = [...new Set(bounded)].sort();
  const counts = new Map<OpClass['kind'], number>();
  let withBounds = 0;
  const rows = ops.map((op) => {
    const g = gradient.get(op);
    if (g) counts.set(g.kind, (counts.get(g.kind) ?? 0) + 1);
    const methods = boundMethods().get(op) ?? [];
    if (methods.length) withBounds++;
    return `| ${op} | ${g ? GRADIENT_KIND_LABELS[g.kind] : ''} | ${cell(g?.derivation ?? '')} | ${methods.join(', ')} |`;
  });
  const kinds = Object.keys(GRADIENT_KIND_LABELS) as OpClass['kind'][];
  const summary = kinds.map((k) => `${counts.get(k) ?? 0} ${GRADIENT_KIND_LABELS[k]}`).join(', ');
  return [
    '# Supported ops',
    '',
    'Generated from the gradient registry (`src/autodiff/registry.ts`) and the bound-rule registry',
    '(`src/bounds/registry.ts`) by `npm run docs:ops` (or `npx tsx scripts/supported-ops.ts > docs/supported-ops.md`);',
    'do not edit by hand.',
    '',
    'Kinds:',
    '',
    '- **gradient rule**: differentiated exactly (the rule file, `src/autodiff/rules/<op>.ts`, opens with the derivation).',
    '- **no gradient**: outputs never carry gradient (shape arithmetic, comparisons, indices). ArgMax/ArgMin on the',
    '  input→logits path are reported as non-differentiable.',
    '- **straight-through (BPDA)**: piecewise constant, true gradient zero; the builder reports the node as',
    '  non-differentiable and, with `straightThrough`, uses the rule\'s identity-like gradient (Athalye et al. 2018,',
    '  https://arxiv.org/abs/1802.00420). A Cast to an integer type is treated the same way.',
    '- **random (EOT)**: kept in the graph and reported; gradients are per-draw samples, to be averaged over draws.',
    '  Dropout is random only in training mode.',
    '',
    'Ops with no entry raise UnsupportedOpError when they lie on the input→logits path.',
    '',
    'Bounds: the bound-propagation methods with a rule for the op (`src/bounds/rules/<op>.ts`, which opens with',
    'the relaxation). **IBP**: interval bound propagation (Gowal et al. 2018, https://arxiv.org/abs/1810.12715).',
    '**CROWN**: backward linear bound propagation (Zhang et al. 2018, https://arxiv.org/abs/1811.00866): the op\'s adjoint,',
    'or its linear relaxation on the CROWN bounds of its input.',
    'A model with an op without one on the input→logits path has its points reported as not certified.',
    '',
    `${gradient.size} ops: ${summary}. ${withBounds} with bounds.`,
    '',
    '| Op | Kind | Derivation | Bounds |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
