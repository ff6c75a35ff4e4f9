// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins; the bench builds
// with the same list).
//
// builtinsThroughRequire: in an ES module, `import { STATUS_CODES } from 'node:http'` makes Node
// build the module's whole namespace, and reading every export runs node:http's lazy
// `WebSocket`/`CloseEvent`/`MessageEvent` getters, which load undici: ~25 ms of init for nothing
// (measured on Node 24, bench/README.md). @middy/util imports node:http that way. A CommonJS
// `require` (the bundle's banner defines one) reads only what is used. node:crypto (`webcrypto`,
// `subtle`), node:net (`BlockList`, `SocketAddress`) and others have such getters too. So every ESM
// import of a builtin becomes a small module that requires it and re-exports its plain properties
// (a named import of an accessor then fails the build, not the function).
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
      // Plain data properties only: an accessor (the lazy getters) must stay unread.
      const names = Object.entries(Object.getOwnPropertyDescriptors(real))
        .filter(([name, d]) => 'value' in d && /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default')
        .map(([name]) => name);
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
