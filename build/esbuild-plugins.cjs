// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins; the bench builds
// with the same list).
//
// builtinsThroughRequire: in an ES module, `import { STATUS_CODES } from 'node:http'` makes Node
// build the module's whole namespace, which reads every export, so node:http's lazy
// `WebSocket`/`CloseEvent`/`MessageEvent` getters load undici: ~25 ms of init for nothing
// (measured on Node 24, bench/README.md). @middy/util imports node:http that way. A CommonJS
// `require` (the bundle's banner defines one) reads nothing by itself. So every ESM import of a
// builtin becomes a small module that requires it and re-exports its properties, except the
// getters below that load a whole subsystem (importing one of them by name fails the build).
const LAZY_GETTERS = {
  'node:http': ['WebSocket', 'CloseEvent', 'MessageEvent'], // undici
  'node:https': ['WebSocket', 'CloseEvent', 'MessageEvent'],
  'node:crypto': ['webcrypto', 'subtle'], // the Web Crypto implementation
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
      const skipped = LAZY_GETTERS[args.path] ?? [];
      const names = Object.keys(Object.getOwnPropertyDescriptors(real)).filter(
        (name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default' && !skipped.includes(name),
      );
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
