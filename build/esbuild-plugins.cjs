// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins; the bench builds
// with the same list).
//
// builtinsThroughRequire: in an ES module, `import { STATUS_CODES } from 'node:http'` makes Node
// build the module's whole namespace, which reads every export, so node:http's lazy
// `WebSocket`/`CloseEvent`/`MessageEvent` getters load undici: ~25 ms of init for nothing
// (measured on Node 24, bench/README.md). @middy/util imports node:http that way. A CommonJS
// `require` (the bundle's banner defines one) reads nothing by itself. So every ESM import of a
// builtin becomes a small module that requires it and re-exports its properties. Not its getters:
// each re-export is read at import, and a getter may load a whole subsystem (node:http's WebSocket
// loads undici, node:crypto's webcrypto the Web Crypto implementation) or warn (node:crypto's
// `fips` prints a DeprecationWarning on every cold start). Only the getters below are re-exported;
// importing another by name fails the build ("No matching export"): add it here then.
const GETTERS_KEPT = {
  'node:async_hooks': ['AsyncLocalStorage'], // Powertools (the bench's empty+powertools reference)
  // The AWS SDK, when it is bundled (the bench's "SDK bundled" builds): cheap to read.
  'node:crypto': ['getRandomValues'],
  'node:fs': ['ReadStream'],
};
// (Go regular expressions: no lookahead, so node:module is let through in onResolve.)
const LAZY_BUILTINS = /^node:/;

const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(build) {
    build.onResolve({ filter: LAZY_BUILTINS }, (args) =>
      (args.kind === 'import-statement' || args.kind === 'dynamic-import') && args.path !== 'node:module'
        ? { path: args.path, namespace: 'builtin-through-require' }
        : { path: args.path, external: true },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-through-require' }, (args) => {
      const real = require(args.path);
      const names = Object.entries(Object.getOwnPropertyDescriptors(real))
        .filter(([name, d]) => !d.get || (GETTERS_KEPT[args.path] ?? []).includes(name))
        .map(([name]) => name)
        .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default');
      const lines = [
        `const m = require(${JSON.stringify(args.path)});`,
        'export default m;',
        ...names.map((name) => `export const ${name} = m.${name};`),
      ];
      return { contents: lines.join('\n'), loader: 'js', resolveDir: __dirname };
    });
  },
};

module.exports = [builtinsThroughRequire];
