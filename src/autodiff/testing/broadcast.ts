/** Shape pairs for checking binary broadcasting rules: x's shape against the other operand's. */
export const BROADCAST_SHAPES: [number[], number[]][] = [
  [[2, 3], [2, 3]], [[2, 3], [3]], [[2, 3], [1, 3]], [[2, 1, 4], [3, 1]], [[3], [2, 3]], [[1, 3], [2, 1]], [[2, 3], []],
];
