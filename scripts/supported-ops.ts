/** Prints docs/supported-ops.md from the gradient registry: `npm run docs:ops`, or `npx tsx scripts/supported-ops.ts > docs/supported-ops.md`. */
import { supportedOpsMarkdown } from '../src/autodiff/supported-ops';

process.stdout.write(supportedOpsMarkdown());
