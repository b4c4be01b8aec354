/**
 * `npm run check:infra` (also part of `npm test`): what can be checked of the Bicep here, where no
 * Bicep CLI exists (it downloads itself, and this machine reaches only npm). It is a consistency
 * check of the text, not a compile: it does not know resource schemas, API versions or types.
 * `az bicep build --file infra/main.bicep` and `azd provision --preview` remain the real checks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../lib/config';

const root = path.resolve(__dirname, '../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const bicepFiles = ['infra/main.bicep', ...fs.readdirSync(path.join(root, 'infra/modules')).map((f) => `infra/modules/${f}`)].filter((f) => f.endsWith('.bicep'));

/**
 * Comments and the literal text of strings blanked (interpolations `${...}` kept, as they are
 * code), so braces and names inside text do not count.
 */
function code(text: string): string {
  let out = '';
  let i = 0;
  const stack: ('string' | 'interp' | 'brace')[] = [];
  while (i < text.length) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (top === 'string') {
      if (c === '\\') {
        out += '  ';
        i += 2;
      } else if (c === "'") {
        stack.pop();
        out += c;
        i++;
      } else if (c === '$' && text[i + 1] === '{') {
        stack.push('interp');
        out += '  ';
        i += 2;
      } else {
        out += c === '\n' ? c : ' ';
        i++;
      }
      continue;
    }
    // Blanked, not removed: positions stay those of the original text.
    const blank = (end: number) => {
      out += text.slice(i, end).replace(/[^\n]/g, ' ');
      i = end;
    };
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      blank(end < 0 ? text.length : end);
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      blank(end < 0 ? text.length : end + 2);
      continue;
    }
    if (c === "'") {
      if (text.startsWith("'''", i)) {
        const end = text.indexOf("'''", i + 3);
        blank(end < 0 ? text.length : end + 3);
        continue;
      }
      stack.push('string');
    } else if ((top === 'interp' || top === 'brace') && c === '{') {
      stack.push('brace');
    } else if (top === 'brace' && c === '}') {
      stack.pop();
    } else if (top === 'interp' && c === '}') {
      stack.pop();
      out += ' ';
      i++;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

interface Param {
  name: string;
  type: string;
  default?: string;
  description: string;
  secure: boolean;
}

/** `param` declarations with the decorators right above them. */
function params(text: string): Param[] {
  const out: Param[] = [];
  const re = /((?:^@[^\n]*\n|^\s*\d+\n|^\s*'[^'\n]*'\n|^\]\)\n|^\s+\S[^\n]*\n)*)^param (\w+) (\w+)(?: = ([^\n]+))?$/gm;
  for (const m of text.matchAll(re)) {
    const decorators = m[1];
    const description = /@description\('((?:\\'|[^'])*)'\)/.exec(decorators)?.[1] ?? '';
    out.push({ name: m[2], type: m[3], default: m[4]?.trim(), description, secure: decorators.includes('@secure()') });
  }
  return out;
}

/** The literal value of a Bicep default: 'text' → text, numbers and booleans as written. */
function literal(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const s = /^'((?:\\'|[^'])*)'$/.exec(value);
  return s ? s[1].replace(/\\'/g, "'") : value;
}

const config = read('lib/config.ts');
const schemaBody = config.slice(config.indexOf('const schema = z.object({'), config.indexOf('export type Config'));
const settingNames = [...schemaBody.matchAll(/^\s{2}([A-Za-z_]+):/gm)].map((m) => m[1]);

/** Settings the deployment does not write, and why. */
const NOT_DEPLOYED: Record<string, string> = {
  AzureWebJobsStorage: 'a connection string needs account keys, which the storage account refuses',
  AzureWebJobsStorage__tableServiceUri: 'derived from AzureWebJobsStorage__accountName',
  AzureWebJobsStorage__queueServiceUri: 'derived from AzureWebJobsStorage__accountName',
};

/** Settings the template computes instead of taking them from a parameter of the same name. */
const COMPUTED = new Set(['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__clientId', 'GRAPH_FEDERATED_IDENTITY_CLIENT_ID', 'GRAPH_CLIENT_CERTIFICATE']);

const REQUIRED_ENV = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  PUBLIC_BASE_URL: 'https://app.example',
  GRAPH_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  GRAPH_CLIENT_ID: '6731de76-14a6-49ae-97bc-6eba6914391e',
  GRAPH_CLIENT_SECRET: 'x',
  ZOHO_ACCOUNTS_URL: 'https://accounts.zoho.eu',
  ZOHO_API_DOMAIN: 'https://www.zohoapis.eu',
  ZOHO_CLIENT_ID: 'id',
  ZOHO_CLIENT_SECRET: 'secret',
  ZOHO_REFRESH_TOKEN: 'token',
};

describe('infrastructure (Bicep read as text; no Bicep compiler here)', () => {
  const main = read('infra/main.bicep');
  const mainParams = params(main);
  const deployedSettingKeys = new Set(
    ['infra/main.bicep', 'infra/modules/functionapp.bicep'].flatMap((f) => [...code(read(f)).matchAll(/^\s+([A-Za-z_]+):/gm)].map((m) => m[1])),
  );
  const parameterFile = JSON.parse(read('infra/main.parameters.json')).parameters as Record<string, { value: string }>;
  const defaults = parseConfig(REQUIRED_ENV) as Record<string, unknown>;

  it('finds the settings and parameters it checks', () => {
    expect(settingNames.length).toBeGreaterThan(30);
    expect(mainParams.length).toBeGreaterThan(40);
  });

  it.each(settingNames)('%s is deployed (a parameter with the code default, or computed)', (name) => {
    if (NOT_DEPLOYED[name]) {
      expect(deployedSettingKeys.has(name)).toBe(false);
      return;
    }
    expect({ name, deployed: deployedSettingKeys.has(name) }).toEqual({ name, deployed: true });
    if (COMPUTED.has(name)) return;
    const param = mainParams.find((p) => p.description.startsWith(`${name}:`) || p.description.startsWith(`${name}.`));
    expect({ name, param: param?.name }).toEqual({ name, param: expect.any(String) });
    // azd passes the setting's own name; unset, Bicep's default applies.
    expect(parameterFile[param!.name]?.value).toBe(`\${${name}}`);
    const def = literal(param!.default);
    if (def === undefined) {
      expect(name in REQUIRED_ENV).toBe(true);
    } else if (def !== '' || !(name in REQUIRED_ENV)) {
      // Same meaning as the code's default: the app parses both alike.
      const parsed = parseConfig({ ...REQUIRED_ENV, [name]: def }) as Record<string, unknown>;
      expect({ name, value: parsed[name] }).toEqual({ name, value: defaults[name] });
    }
  });

  it('the optional settings\' defaults in main.bicep are the parameters\' defaults', () => {
    const block = (label: string) => {
      const start = main.indexOf(`var ${label} = {`);
      const body = main.slice(start, main.indexOf('\n}\n', start));
      return Object.fromEntries([...body.matchAll(/^ {2}(\w+): ([^\n]+)$/gm)].map((m) => [m[1], m[2].trim()]));
    };
    const values = block('optionalSettings');
    const declared = block('optionalDefaults');
    expect(Object.keys(declared).sort()).toEqual(Object.keys(values).sort());
    for (const [name, expr] of Object.entries(values)) {
      const paramName = /^(?:string\()?(\w+)/.exec(expr)![1];
      const param = mainParams.find((p) => p.name === paramName)!;
      expect({ name, default: literal(declared[name]) }).toEqual({ name, default: literal(param.default) });
    }
  });

  it.each(bicepFiles)('%s: braces balance, modules exist and get only parameters they declare, every required one', (file) => {
    const text = read(file);
    const stripped = code(text);
    for (const [open, close] of [['{', '}'], ['[', ']'], ['(', ')']]) {
      expect({ file, open, count: stripped.split(open).length }).toEqual({ file, open, count: stripped.split(close).length });
    }
    for (const m of text.matchAll(/^module (\w+) '([^']+)' = [^{]*\{/gm)) {
      const target = path.join(path.dirname(file), m[2]);
      expect(fs.existsSync(path.join(root, target))).toBe(true);
      const declared = params(read(target));
      const start = stripped.indexOf('params: {', m.index);
      let depth = 0;
      const passed: string[] = [];
      for (let i = start + 'params: '.length; i < stripped.length; i++) {
        const c = stripped[i];
        if (c === '{' || c === '[' || c === '(') depth++;
        else if (c === '}' || c === ']' || c === ')') {
          depth--;
          if (depth === 0) break;
        } else if (depth === 1 && (i === 0 || stripped[i - 1] === '\n')) {
          const key = /^\s*(\w+):/.exec(stripped.slice(i, stripped.indexOf('\n', i)));
          if (key) passed.push(key[1]);
        }
      }
      for (const key of passed) expect({ module: m[1], key, declared: declared.some((p) => p.name === key) }).toEqual({ module: m[1], key, declared: true });
      for (const p of declared.filter((d) => d.default === undefined)) expect({ module: m[1], required: p.name, passed: passed.includes(p.name) }).toEqual({ module: m[1], required: p.name, passed: true });
    }
  });

  it.each(bicepFiles)('%s: every parameter is used', (file) => {
    const stripped = code(read(file));
    for (const p of params(read(file))) {
      const uses = stripped.split(new RegExp(`\\b${p.name}\\b`)).length - 1;
      expect({ file, param: p.name, used: uses > 1 }).toEqual({ file, param: p.name, used: true });
    }
  });

  it.each(bicepFiles)('%s: no secret, key or connection string in outputs', (file) => {
    const text = read(file);
    const secure = params(text).filter((p) => p.secure).map((p) => p.name);
    for (const m of text.matchAll(/^output (\w+) \w+ = ([^\n]+)$/gm)) {
      const [, name, expr] = m;
      expect({ output: name, leaks: /(secret|password|key|connectionstring|token)(?!Uri|VaultName|_VAULT)/i.test(name) }).toEqual({ output: name, leaks: false });
      expect({ output: name, expr: /list\w*\(|\.value\b|ConnectionString|InstrumentationKey/i.test(expr) }).toEqual({ output: name, expr: false });
      for (const s of secure) expect({ output: name, usesSecureParam: new RegExp(`\\b${s}\\b`).test(expr) }).toEqual({ output: name, usesSecureParam: false });
    }
  });

  it('keyless: no account key anywhere, shared keys and local auth off, identity-based settings', () => {
    for (const file of bicepFiles) {
      expect({ file, listKeys: /listKeys\(|AccountKey=/.test(code(read(file))) }).toEqual({ file, listKeys: false });
    }
    expect(read('infra/modules/storage.bicep')).toMatch(/allowSharedKeyAccess: false/);
    const monitoring = read('infra/modules/monitoring.bicep');
    expect(monitoring).toMatch(/DisableLocalAuth: true/);
    expect(monitoring).toMatch(/3913510d-42f4-4e42-8a64-420c390055eb/); // Monitoring Metrics Publisher
    const app = read('infra/modules/functionapp.bicep');
    expect(app).toMatch(/type: 'UserAssigned'/);
    expect(app).toMatch(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=\$\{identity\.properties\.clientId\};Authorization=AAD'/);
    expect(app).toMatch(/AzureWebJobsStorage__credential: 'managedidentity'/);
    expect(read('infra/modules/appsettings.bicep')).toMatch(/retiredSettings array = \[\s*'AzureWebJobsStorage'/);
  });

  it('production defaults: Node 22, one always-ready HTTP instance, Graph without a secret', () => {
    expect(read('infra/modules/functionapp.bicep')).toMatch(/name: 'node'\s*\n\s*version: '22'/);
    expect(mainParams.find((p) => p.name === 'alwaysReadyHttpInstances')?.default).toBe('1');
    expect(mainParams.find((p) => p.name === 'graphCredential')?.default).toBe("'federated'");
    expect(mainParams.find((p) => p.name === 'graphClientSecret')?.default).toBe("''");
  });

  it('the Graph permissions granted are the ones the README lists', () => {
    const { applicationPermissions } = JSON.parse(read('infra/graph-permissions.json')) as { applicationPermissions: string[] };
    const readme = read('README.md');
    const entra = readme.slice(readme.indexOf('## Registering the Entra app'));
    const section = entra.slice(entra.indexOf('2. API permissions'), entra.indexOf('\n3. '));
    expect([...section.matchAll(/`([A-Z][A-Za-z]+\.[A-Za-z.]+)`/g)].map((m) => m[1]).sort()).toEqual([...applicationPermissions].sort());
    expect(read('infra/modules/entra-app.bicep')).toMatch(/loadJsonContent\('\.\.\/graph-permissions\.json'\)/);
  });

  it('azure.yaml runs the onboarding hooks that exist, and the package holds no Core Tools', () => {
    const yaml = read('azure.yaml');
    for (const hook of ['postprovision', 'postdeploy']) {
      expect(yaml).toMatch(new RegExp(`^ {2}${hook}:`, 'm'));
      expect(fs.existsSync(path.join(root, `scripts/hooks/${hook}.js`))).toBe(true);
    }
    const funcignore = read('.funcignore').split('\n');
    expect(funcignore).toContain('node_modules');
    const pkg = JSON.parse(read('package.json'));
    // Core Tools stay an optional dependency (for `npm start` on a developer's machine) and never
    // reach a dependency the app needs; the remote build omits optional packages.
    expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty('azure-functions-core-tools');
    expect(pkg.optionalDependencies).toHaveProperty('azure-functions-core-tools');
    expect(read('infra/modules/functionapp.bicep')).toMatch(/^\s*npm_config_omit: 'optional'$/m);
  });
});
