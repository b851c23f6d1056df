/** Prints docs/supported-ops.md from the gradient and bound-rule registries: `npm run docs:ops`, or `npx tsx scripts/supported-ops.ts > docs/supported-ops.md`. */
import { supportedOpsMarkdown } from '../src/model/supported-ops';

process.stdout.write(supportedOpsMarkdown());
