/** Shared by the pooling rules: re-emitting a forward pool node's attributes on a new node. */
import { RuleContext } from '../types';
import type { AttrInput } from '../../onnx/graph-writer';

/** The forward node's int/ints/string attributes among `names`, as `op()` attributes. */
export function copyAttrs(g: RuleContext, names: string[]): Record<string, AttrInput> {
  const out: Record<string, AttrInput> = {};
  for (const k of names) {
    const a = g.node.attributes.get(k);
    if (a && (a.type === 'int' || a.type === 'string' || a.type === 'ints')) out[k] = a.value;
  }
  return out;
}
