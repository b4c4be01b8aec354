import fs from 'node:fs';
import path from 'node:path';

/** Rules of the codebase that a reviewer would otherwise have to remember. */
const root = path.resolve(__dirname, '../..');

function files(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? files(rel) : rel.endsWith('.ts') ? [rel] : [];
  });
}

describe('project rules', () => {
  const production = [...files('lib'), ...files('functions')];

  it.each(production)('%s imports nothing from test/', (file) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    expect(text).not.toMatch(/from ['"][./]*\/?test\//);
    expect(text).not.toMatch(/require\(['"][./]*\/?test\//);
  });

  it('every setting is documented in README and in local.settings.example.json', () => {
    const config = fs.readFileSync(path.join(root, 'lib/config.ts'), 'utf8');
    const schemaBody = config.slice(config.indexOf('const schema = z.object({'), config.indexOf('export type Config'));
    const names = [...schemaBody.matchAll(/^\s{2}([A-Za-z_]+):/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(20);
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const example = JSON.parse(fs.readFileSync(path.join(root, 'local.settings.example.json'), 'utf8')).Values;
    for (const name of names) {
      expect({ name, inReadme: readme.includes(`\`${name}\``) }).toEqual({ name, inReadme: true });
      expect({ name, inExample: name in example }).toEqual({ name, inExample: true });
    }
  });

  it('functions/ is wiring: every function file registers exactly one function named after the file', () => {
    for (const file of files('functions').filter((f) => !f.endsWith('startup.ts'))) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      const registrations = [...text.matchAll(/app\.(http|storageQueue|timer)\('([^']+)'/g)];
      expect({ file, names: registrations.map((r) => r[2]) }).toEqual({ file, names: [path.basename(file, '.ts')] });
    }
  });
});
