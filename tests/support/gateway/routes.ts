/**
 * Route selection like HTTP API: `METHOD /path` keys (`ANY` for every method), `{name}` captures one
 * path segment, a final `{name+}` captures the rest; the most specific matching route wins.
 */
import type { MatchedRoute } from './events.js';

type CompiledRoute = { routeKey: string; method: string; pattern: RegExp; names: string[]; literal: number };

export type RouteTable = { match(method: string, path: string): MatchedRoute | undefined };

export function routeTable(routeKeys: readonly string[]): RouteTable {
  const routes = routeKeys.map(compile);
  return {
    match(method, path) {
      const found = routes
        .filter((r) => r.method === method || r.method === 'ANY')
        .map((route) => ({ route, groups: route.pattern.exec(path) }))
        .filter((m): m is { route: CompiledRoute; groups: RegExpExecArray } => m.groups !== null)
        // More literal characters first, then an exact method before ANY.
        .sort((a, b) => b.route.literal - a.route.literal || exactness(b.route) - exactness(a.route));
      const best = found[0];
      if (!best) return undefined;
      const { route, groups } = best;
      if (route.names.length === 0) return { routeKey: route.routeKey };
      const pathParameters = Object.fromEntries(
        route.names.map((name, i) => [name, decodeURIComponent(groups[i + 1]!)]),
      );
      return { routeKey: route.routeKey, pathParameters };
    },
  };
}

const exactness = (route: CompiledRoute) => (route.method === 'ANY' ? 0 : 1);

function compile(routeKey: string): CompiledRoute {
  const match = /^(\S+) (\/\S*)$/.exec(routeKey);
  if (!match) throw new Error(`Route key "${routeKey}" is not "METHOD /path"`);
  const [, method, path] = match as unknown as [string, string, string];
  const names: string[] = [];
  let literal = 0;
  const source = path
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const param = /^\{([^}+]+)(\+?)\}$/.exec(part);
      if (!param) {
        literal += part.length;
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      names.push(param[1]!);
      return param[2] ? '(.+)' : '([^/]+)';
    })
    .join('');
  return { routeKey, method: method.toUpperCase(), pattern: new RegExp(`^${source}$`), names, literal };
}
