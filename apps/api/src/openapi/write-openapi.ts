import * as fs from 'node:fs';
import { openApiDocument } from './openapi';

/**
 * `npm run lint:openapi` writes the document here and lints it with Redocly's CLI (a third-party
 * validator, so the document is checked by other eyes than the code that builds it).
 */
const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: write-openapi <file.json>\n');
  process.exit(2);
}
fs.writeFileSync(target, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
