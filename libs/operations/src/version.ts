import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/**
 * The product's version, from the root package.json (found upwards from here, so it works from
 * the sources and from dist/). One source for `/metrics` build info, the OpenAPI document and
 * `kedja --version`, so they cannot disagree.
 */
export function productVersion(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'kedja' && parsed.version) return (cached = parsed.version);
    }
    if (path.dirname(dir) === dir) throw new Error('package.json of kedja not found above ' + __dirname);
  }
}
