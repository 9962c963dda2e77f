// docker-compose.yml and docker-compose.dev.yml against the Compose Specification JSON schema, and
// compose's refusal to start without the secrets. No Docker engine exists here, so the schema and
// the interpolation rules are what we can prove.
//
// compose-spec.schema.json: the official compose-spec schema (compose-spec/compose-spec,
// schema/compose-spec.json) as shipped in the npm package dclint@3.1.0 at
// schemas/compose.schema.json (tarball sha512-afTGdzRFUXK4yCpIiEW/LOR+9TOMEDhNldDp56VCWzn7JDmD451PcUi640GGlMHgbHKJ10rDBm4PtpcBbjqlXw==),
// reformatted by biome only. SCHEMA_SHA256 is the hash of its JSON.stringify form, which the
// reformatting does not change; update both together.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadCompose, MissingVariableError, readRepoFile, variableUses } from './compose-model.ts';
import { EXAMPLE_URLS, exampleEnv, filledEnv, SECRET_NAME } from './deploy-env.ts';

const SCHEMA_SHA256 = 'b2dc5daa8ce86f3b6a82dfe17afa0b5428b21d51a18bfb6e1ef304cf88e933ae';
const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, 'compose-spec.schema.json'), 'utf8'),
) as object;
// The file names its dialect as https://json-schema.org/draft-07/schema, a spelling Ajv does not
// map to its built-in draft-07 meta-schema; draft-07 is Ajv's default, so compile without the tag.
const { $schema: _dialect, ...draft07 } = schema as { $schema?: string };
const validate = new Ajv({ allErrors: true, strict: false }).compile(draft07);
const errorsOf = (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []));

const composeText = readRepoFile('docker-compose.yml');
const devText = readRepoFile('docker-compose.dev.yml');

describe('Compose Specification schema', () => {
  it('is the pinned official schema', () => {
    expect(createHash('sha256').update(JSON.stringify(schema)).digest('hex')).toBe(SCHEMA_SHA256);
    expect(schema).toMatchObject({ title: 'Compose Specification' });
  });

  it('accepts docker-compose.yml once a complete .env is interpolated', () => {
    expect(errorsOf(loadCompose(composeText, filledEnv(EXAMPLE_URLS)))).toEqual([]);
  });

  it('accepts the development override on its own', () => {
    expect(errorsOf(loadCompose(devText, filledEnv(EXAMPLE_URLS)))).toEqual([]);
  });

  it('rejects documents compose would reject (the validator is live)', () => {
    const good = loadCompose(composeText, filledEnv(EXAMPLE_URLS)) as unknown as Record<string, unknown>;
    const services = good.services as Record<string, Record<string, unknown>>;
    const withWeb = (web: Record<string, unknown>) => ({ ...good, services: { ...services, web } });
    const unknownServiceKey = withWeb({ ...services.web, imagee: 'x' });
    const badCondition = withWeb({ ...services.web, depends_on: { mongo: { condition: 'whenever' } } });
    const unknownTopLevel = { ...good, servicez: {} };
    for (const doc of [unknownServiceKey, badCondition, unknownTopLevel])
      expect(errorsOf(doc).length).toBeGreaterThan(0);
  });
});

describe('.env and secrets', () => {
  const uses = [...variableUses(composeText), ...variableUses(devText)];
  const example = exampleEnv();

  it('every variable referenced in the compose files is in .env.example, and every .env.example entry is used', () => {
    const used = new Set(uses.map((u) => u.name));
    expect([...used].filter((n) => !example.has(n)).sort()).toEqual([]);
    expect([...example.keys()].filter((n) => !used.has(n)).sort()).toEqual([]);
  });

  it('every .env.example variable is documented by a comment above it', () => {
    const lines = readRepoFile('.env.example').split('\n');
    const undocumented: string[] = [];
    lines.forEach((line, i) => {
      const m = /^([A-Z_][A-Z0-9_]*)=/.exec(line);
      if (!m) return;
      let j = i - 1;
      while (j >= 0 && /^[A-Z_][A-Z0-9_]*=/.test(lines[j] ?? '')) j--;
      if (!/^#\s*\S/.test(lines[j] ?? '')) undocumented.push(m[1] ?? '');
    });
    expect(undocumented).toEqual([]);
  });

  it('secrets are required (:? form) wherever they are used and empty in .env.example', () => {
    const secretUses = uses.filter((u) => SECRET_NAME.test(u.name));
    expect(new Set(secretUses.map((u) => u.name))).toEqual(
      new Set([
        'HYPERSEND_JWT_PRIVATE_KEY',
        'HYPERSEND_TURN_SECRETS',
        'MONGO_ROOT_PASSWORD',
        'MONGO_APP_PASSWORD',
      ]),
    );
    for (const use of secretUses) {
      expect(use.operator, use.name).toBe(':?');
      expect(use.argument, use.name).toMatch(/\S/);
      expect(example.get(use.name), use.name).toBe('');
    }
  });

  it('compose refuses to start with .env.example as is, and without each required variable', () => {
    expect(() => loadCompose(composeText, Object.fromEntries(example))).toThrow(MissingVariableError);
    const required = [...new Set(uses.filter((u) => u.operator === ':?').map((u) => u.name))];
    expect(required.length).toBeGreaterThanOrEqual(9);
    for (const name of required) {
      const env = { ...filledEnv(EXAMPLE_URLS), [name]: '' };
      expect(() => loadCompose(composeText, env), name).toThrow(new RegExp(`variable ${name} `));
    }
  });

  it('no secret is written into the compose file or baked into an image', () => {
    // A literal value for a secret-named key would bypass .env; so would an ENV/ARG in a Dockerfile.
    const raw = parse(composeText, { merge: true }) as { services: Record<string, { environment?: object }> };
    for (const [service, def] of Object.entries(raw.services))
      for (const [key, value] of Object.entries(def.environment ?? {}))
        if (SECRET_NAME.test(key)) expect(String(value), `${service}.${key}`).toMatch(/^\$\{[A-Z_]+:\?/);
    for (const file of ['signaling/Dockerfile', 'relay/Dockerfile', 'web/Dockerfile'])
      for (const line of readRepoFile(file).split('\n'))
        if (/^\s*(ENV|ARG)\b/.test(line) || /^\s+[A-Z_]+=/.test(line))
          expect(line, file).not.toMatch(SECRET_NAME);
    expect(readRepoFile('.gitignore').split('\n')).toContain('.env');
    expect(readRepoFile('.dockerignore')).toMatch(/^\*$/m);
  });
});
