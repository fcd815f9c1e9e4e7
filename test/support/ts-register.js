// Lets a plain `node` child process or worker thread started by a test (crash and kill-and-restart
// tests, the api's worker threads under jest) load the TypeScript sources, compiled by swc on the
// fly as jest does, with the `@kedja/*` path aliases resolved.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const swc = require('@swc/core');

const libs = path.resolve(__dirname, '../../libs');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = /^@kedja\/([a-z-]+)$/.exec(request);
  if (alias) return resolve.call(this, path.join(libs, alias[1], 'src', 'index.ts'), ...rest);
  try {
    return resolve.call(this, request, ...rest);
  } catch (error) {
    if (request.startsWith('.')) return resolve.call(this, `${request}.ts`, ...rest);
    throw error;
  }
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
