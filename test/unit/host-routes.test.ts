import fs from 'node:fs';
import path from 'node:path';

/**
 * The Functions host refuses some routes at start-up and then answers them only with 404, which no
 * handler-level test can notice. So this file loads every function file the way the host does,
 * through `@azure/functions`' own registration, with the host's core API (`@azure/functions-core`,
 * a module only the host provides) replaced by a recorder, and checks what was registered.
 */
const root = path.resolve(__dirname, '../..');

interface Registered {
  name: string;
  route: string;
  methods: string[];
  authLevel: string;
}

function loadRegistrations(): Registered[] {
  const registered: Registered[] = [];
  jest.resetModules();
  jest.doMock(
    '@azure/functions-core',
    () => ({
      setProgrammingModel: () => undefined,
      registerHook: () => ({ dispose: () => undefined }),
      log: () => undefined,
      registerFunction: (metadata: { name: string; bindings: Record<string, Record<string, unknown>> }) => {
        for (const binding of Object.values(metadata.bindings)) {
          if (binding.type !== 'httpTrigger') continue;
          registered.push({
            name: metadata.name,
            route: String(binding.route ?? metadata.name),
            methods: (binding.methods as string[] | undefined ?? ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']).map((m) => m.toUpperCase()),
            authLevel: String(binding.authLevel ?? 'function'),
          });
        }
        return { dispose: () => undefined };
      },
    }),
    { virtual: true },
  );
  jest.isolateModules(() => {
    for (const file of fs.readdirSync(path.join(root, 'functions')).filter((f) => f.endsWith('.ts'))) {
      require(path.join(root, 'functions', file));
    }
  });
  return registered;
}

/**
 * What ASP.NET Core's route template parser (which the host uses for `route`) refuses, and the host's
 * own reservation of routes beginning with `admin` or `runtime` for its management API. Returns the
 * reasons a template is refused; empty when the host accepts it.
 */
export function routeProblems(route: string): string[] {
  const problems: string[] = [];
  if (/^(admin|runtime)/i.test(route)) problems.push('conflicts with the host\'s built-in admin/runtime routes');
  if (route.startsWith('/') || route.startsWith('~')) problems.push('starts with / or ~');
  if (route.includes('?') && !/^[^?]*(\{[^}]*\?\}[^?]*)*$/.test(route)) problems.push('contains ? outside an optional parameter');
  const segments = route.split('/');
  if (segments.some((s) => s === '')) problems.push('has an empty segment');
  const names = new Set<string>();
  segments.forEach((segment, i) => {
    const unescaped = segment.replace(/\{\{|\}\}/g, '');
    const params = [...unescaped.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
    const rest = unescaped.replace(/\{[^{}]*\}/g, '');
    if (/[{}]/.test(rest)) problems.push(`segment "${segment}" has unbalanced braces`);
    if (/\}\{/.test(unescaped)) problems.push(`segment "${segment}" has two parameters without a literal between them`);
    for (const param of params) {
      const name = param.replace(/^\*{1,2}/, '').split(/[:=?]/)[0];
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) problems.push(`parameter "{${param}}" has an invalid name`);
      if (names.has(name.toLowerCase())) problems.push(`parameter "${name}" appears twice`);
      names.add(name.toLowerCase());
      if (param.startsWith('*') && i !== segments.length - 1) problems.push(`catch-all "{${param}}" is not in the last segment`);
    }
  });
  return problems;
}

/** The public interface (docs/DESIGN.md, README "HTTP routes"): every route registered with this auth level. */
const expected: Array<{ method: string; route: string; name: string; authLevel: string }> = [
  { method: 'POST', route: 'graph/notifications', name: 'graph-notifications', authLevel: 'anonymous' },
  { method: 'POST', route: 'graph/lifecycle', name: 'graph-lifecycle', authLevel: 'anonymous' },
  { method: 'POST', route: 'manage/provision', name: 'manage-provision', authLevel: 'admin' },
  { method: 'DELETE', route: 'manage/provision/{user}', name: 'manage-deprovision', authLevel: 'admin' },
  { method: 'GET', route: 'manage/status', name: 'manage-status', authLevel: 'admin' },
  { method: 'POST', route: 'resync', name: 'resync', authLevel: 'function' },
  { method: 'GET', route: 'resync/{jobId}', name: 'resync-status', authLevel: 'function' },
  { method: 'POST', route: 'mail/add', name: 'mail-add', authLevel: 'function' },
  { method: 'GET', route: 'mail/search', name: 'mail-search', authLevel: 'function' },
  { method: 'POST', route: 'mail/attach', name: 'mail-attach', authLevel: 'function' },
  { method: 'POST', route: 'mail/case', name: 'mail-case', authLevel: 'function' },
  // The same mail actions for a bearer token: the host cannot check tokens, so these are anonymous
  // at the host and the handler demands a valid Entra token (lib/auth/mail-access.ts).
  { method: 'POST', route: 'token/mail/add', name: 'mail-add-token', authLevel: 'anonymous' },
  { method: 'GET', route: 'token/mail/search', name: 'mail-search-token', authLevel: 'anonymous' },
  { method: 'POST', route: 'token/mail/attach', name: 'mail-attach-token', authLevel: 'anonymous' },
  { method: 'POST', route: 'token/mail/case', name: 'mail-case-token', authLevel: 'anonymous' },
];

describe('routes the Functions host accepts', () => {
  const registered = loadRegistrations();

  it('registers the HTTP functions through @azure/functions', () => {
    expect(registered.length).toBeGreaterThanOrEqual(expected.length);
  });

  it.each(expected)('$method $route is registered as $name with auth level $authLevel', (want) => {
    const found = registered.find((r) => r.route === want.route && r.methods.includes(want.method));
    expect(found && { name: found.name, authLevel: found.authLevel }).toEqual({ name: want.name, authLevel: want.authLevel });
  });

  it('no route is refused by the host', () => {
    expect(registered.map((r) => ({ route: r.route, problems: routeProblems(r.route) })).filter((r) => r.problems.length > 0)).toEqual([]);
  });

  it('no two functions share a function name or a route and method', () => {
    const names = registered.map((r) => r.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    // Parameter names do not tell routes apart: `x/{a}` and `x/{b}` are one route to the host.
    const pairs = registered.flatMap((r) => r.methods.map((m) => `${m} ${r.route.toLowerCase().replace(/\{[^}]*\}/g, '{}')}`));
    expect(pairs.filter((p, i) => pairs.indexOf(p) !== i)).toEqual([]);
  });

  it('README documents every registered route', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const r of registered) expect({ route: r.route, documented: readme.includes(`${r.methods[0]} ${r.route}`) }).toEqual({ route: r.route, documented: true });
  });
});

describe('routeProblems, the host-side rule itself', () => {
  it.each([
    ['admin/foo/bar', true],
    ['Admin/status', true],
    ['administration', true],
    ['runtime/webhooks', true],
    ['manage/provision', false],
    ['manage/provision/{user}', false],
    ['resync/{jobId}', false],
    ['files/{*path}', false],
    ['a/{id?}', false],
    ['a//b', true],
    ['/a', true],
    ['a/{id', true],
    ['a/{x}/{x}', true],
    ['a/{x}{y}', true],
    ['a/{*p}/b', true],
    ['a?b=1', true],
  ])('%s refused: %s', (route, refused) => {
    expect(routeProblems(route).length > 0).toBe(refused);
  });
});
