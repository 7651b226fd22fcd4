import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync, cpSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { printConfig, printProblems } from '../cli/print-config.js';
import { loadConfig, type ConfigProblem } from './load-config.js';
import type { Config } from './types.js';

const projectRoot = join(import.meta.dirname, '..', '..');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'claude-hooks-config-'));
}

function print(config: Config): string {
  let text = '';
  printConfig(config, { write: (t: string) => (text += t) });
  return text;
}

function problemsOf(result: ReturnType<typeof loadConfig>): ConfigProblem[] {
  assert.equal(result.ok, false, 'expected the config to be rejected');
  return result.ok ? [] : result.error;
}

describe('loadConfig', () => {
  it('runs on embedded defaults with no file and no environment', () => {
    const cwd = tempDir();

    const result = loadConfig({ env: {}, cwd });

    assert.ok(result.ok);
    assert.equal(result.value.server.host, '127.0.0.1');
    assert.equal(result.value.server.port, 8080);
    assert.equal(result.value.dataDir, join(cwd, 'data'));
    assert.equal(result.value.server.bodyLimitBytes, 5 * 1024 * 1024);
    assert.equal(result.value.forge.kind, 'forgejo');
    assert.equal(result.value.forge.webhookSecret, undefined);
    assert.deepEqual(result.value.agents, []);
    assert.equal(result.value.source, undefined);
  });

  it('takes the documented environment variables without a file', () => {
    const env = {
      CLAUDE_HOOKS_HOST: '0.0.0.0',
      CLAUDE_HOOKS_PORT: '9090',
      CLAUDE_HOOKS_DATA_DIR: '/var/lib/claude-hooks',
      CLAUDE_HOOKS_WEBHOOK_SECRET: 'hook-secret',
      CLAUDE_HOOKS_ADMIN_TOKEN: 'admin-token',
      CLAUDE_HOOKS_FORGE_URL: 'https://forge.example.com/',
    };

    const result = loadConfig({ env, cwd: tempDir() });

    assert.ok(result.ok);
    assert.equal(result.value.server.host, '0.0.0.0');
    assert.equal(result.value.server.port, 9090);
    assert.equal(result.value.dataDir, '/var/lib/claude-hooks');
    assert.equal(result.value.forge.webhookSecret?.reveal(), 'hook-secret');
    assert.equal(result.value.adminToken?.reveal(), 'admin-token');
    assert.equal(result.value.forge.url, 'https://forge.example.com');
  });

  it('loads the shipped example with its tokens from the environment and skills beside it', () => {
    const dir = tempDir();
    copyFileSync(join(projectRoot, 'claude-hooks.example.yaml'), join(dir, 'claude-hooks.yaml'));
    cpSync(join(projectRoot, 'skills'), join(dir, 'skills'), { recursive: true });
    const env = {
      BOSS_FORGE_TOKEN: 'b',
      DEV_FORGE_TOKEN: 'd',
      REVIEWER_FORGE_TOKEN: 'r',
      CLAUDE_HOOKS_WEBHOOK_SECRET: 's',
      CLAUDE_HOOKS_ADMIN_TOKEN: 'a',
    };

    const result = loadConfig({ env, cwd: dir });

    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    assert.deepEqual(
      result.value.agents.map((a) => a.name),
      ['boss', 'dev', 'reviewer'],
    );
    const dev = result.value.agents.find((a) => a.name === 'dev');
    assert.equal(dev?.token.reveal(), 'd');
    assert.equal(dev?.skillPath, join(dir, 'skills', 'dev.md'));
    assert.equal(dev?.role, 'implementer');
    assert.deepEqual(
      dev?.triggers.map((t) => t.on),
      ['assigned', 'mention', 'pr_feedback', 'label'],
    );
  });

  it('reports every problem at once, each naming its key', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      [
        'server: { port: 99999 }',
        'forge: { kind: bitbucket, url: not-a-url }',
        'dispatch: { concurrency: 0 }',
        'agents:',
        '  dev:',
        '    login: dev',
        '    token: { env: MISSING_TOKEN }',
        '    git: { name: Dev, email: nope }',
        '    skill: skills/dev.md',
        '    worktree: issue-branch',
        '    triggers: [{ on: telepathy }]',
      ].join('\n'),
    );

    const problems = problemsOf(loadConfig({ env: {}, cwd: dir }));

    const keys = problems.map((p) => p.key);
    for (const key of [
      'server.port',
      'forge.kind',
      'forge.url',
      'dispatch.concurrency',
      'agents.dev.git.email',
      'agents.dev.triggers.0.on',
    ]) {
      assert.ok(keys.includes(key), `expected a problem for ${key}, got ${keys.join(', ')}`);
    }
  });

  it('reports shape errors, unset secrets and missing skill files in one pass', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      [
        'server: { port: eighty }',
        'adminToken: { file: secrets/admin }',
        'forge: { url: "https://forge.example.com" }',
        'agents:',
        '  dev:',
        '    login: dev',
        '    token: { env: DEV_TOKEN }',
        '    git: { name: Dev, email: dev@x.org }',
        '    skill: nowhere.md',
        '    worktree: issue-branch',
        '    triggers: [{ on: telepathy }]',
      ].join('\n'),
    );

    const problems = problemsOf(loadConfig({ env: {}, cwd: dir }));

    assert.deepEqual(problems.map((p) => `${p.key} @ ${p.source}`).sort(), [
      'adminToken @ claude-hooks.yaml:2:1',
      'agents.dev.skill @ claude-hooks.yaml:9:5',
      'agents.dev.token @ claude-hooks.yaml:7:5',
      'agents.dev.triggers.0.on @ claude-hooks.yaml:11:18',
      'server.port @ claude-hooks.yaml:1:11',
    ]);
    assert.match(problems.find((p) => p.key === 'adminToken')!.message, /cannot read secret file .*secrets\/admin/);
    assert.match(problems.find((p) => p.key === 'agents.dev.token')!.message, /DEV_TOKEN is not set/);
  });

  const typos: ReadonlyArray<[string, string, string]> = [
    ['dispatch: { concurency: 3 }', 'dispatch.concurency', 'did you mean concurrency?'],
    ['logLevl: debug', 'logLevl', 'did you mean logLevel?'],
    ['forge: { webhooksecret: { env: X } }', 'forge.webhooksecret', 'did you mean webhookSecret?'],
    ['agents: { dev: { limits: { maxTurn: 3 } } }', 'agents.dev.limits.maxTurn', 'did you mean maxTurns?'],
    ['store: { postgress: { url: { env: DATABASE_URL } } }', 'store.postgress', 'did you mean postgres?'],
    [
      'store: { postgres: { url: { env: DATABASE_URL }, maxConection: 4 } }',
      'store.postgres.maxConection',
      'did you mean maxConnections?',
    ],
    [
      'server: { colour: blue }',
      'server.colour',
      'expected one of host, port, publicUrl, bodyLimitBytes, requestTimeoutSeconds, headersTimeoutSeconds, keepAliveTimeoutSeconds, maxConnections, metricsToken',
    ],
  ];
  for (const [yaml, key, hint] of typos) {
    it(`suggests the nearest key for ${key}`, () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'claude-hooks.yaml'), `${yaml}\n`);

      const problem = problemsOf(loadConfig({ env: {}, cwd: dir })).find((p) => p.key === key);

      assert.ok(problem, `expected a problem for ${key}`);
      assert.equal(problem.message, `unknown key; ${hint}`);
      assert.match(problem.source ?? '', /^claude-hooks\.yaml:1:\d+$/);
    });
  }

  it("says a typo'd store kind once, as the unknown key", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'claude-hooks.yaml'), 'store: { postgress: { url: { env: DATABASE_URL } } }\n');

    const problems = problemsOf(loadConfig({ env: {}, cwd: dir }));

    assert.deepEqual(
      problems.map((p) => `${p.key}: ${p.message}`),
      ['store.postgress: unknown key; did you mean postgres?'],
    );
  });

  it('keeps the state in SQLite under the data dir unless told otherwise', () => {
    const result = loadConfig({ env: {}, cwd: tempDir() });

    assert.ok(result.ok);
    assert.deepEqual(result.value.store, { kind: 'sqlite' });
  });

  it('reads the PostgreSQL store with its URL from the environment, and prints it back as its reference', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      'store:\n  postgres:\n    url: { env: DATABASE_URL }\n    maxConnections: 4\n',
    );

    const result = loadConfig({ env: { DATABASE_URL: 'postgres://claude@db.example/hooks' }, cwd: dir });

    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    const store = result.value.store;
    assert.equal(store.kind, 'postgres');
    assert.equal(store.kind === 'postgres' && store.url.reveal(), 'postgres://claude@db.example/hooks');
    assert.equal(store.kind === 'postgres' && store.maxConnections, 4);
    assert.equal(store.kind === 'postgres' && store.affinityWaitMs, 30_000);
    assert.match(
      print(result.value),
      /store:\n {2}postgres:\n {4}url:\n {6}env: DATABASE_URL\n {4}maxConnections: 4\n/,
    );
  });

  const badStores: ReadonlyArray<[string, Record<string, string>, string, RegExp]> = [
    ['store: postgres', {}, 'store', /expected sqlite, or \{ postgres: \{ url: \{ env: DATABASE_URL \} \} \}/],
    [
      'store: { postgres: { url: "postgres://x" } }',
      {},
      'store.postgres.url',
      /expected \{ env: NAME \} or \{ file: PATH \}/,
    ],
    [
      'store: { postgres: { url: { env: DATABASE_URL } } }',
      {},
      'store.postgres.url',
      /environment variable DATABASE_URL is not set/,
    ],
    [
      'store: { postgres: { url: { env: DATABASE_URL }, maxConnections: 0 } }',
      { DATABASE_URL: 'postgres://x' },
      'store.postgres.maxConnections',
      /./,
    ],
  ];
  for (const [yaml, env, key, message] of badStores) {
    it(`names ${key} for \`${yaml}\``, () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'claude-hooks.yaml'), `${yaml}\n`);

      const problems = problemsOf(loadConfig({ env, cwd: dir }));

      const problem = problems.find((p) => p.key === key);
      assert.ok(problem, `expected a problem for ${key}, got ${JSON.stringify(problems)}`);
      assert.match(problem.message, message);
      assert.match(problem.source ?? '', /^claude-hooks\.yaml:1:\d+$/);
    });
  }

  it('names a missing secret and a missing skill file once the shape is valid', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      'forge: { url: "https://forge.example.com" }\nagents:\n  dev: { login: dev, token: { env: DEV_TOKEN }, git: { name: Dev, email: dev@x.org }, skill: nowhere.md, worktree: issue-branch, triggers: [{ on: assigned }] }\n',
    );

    const problems = problemsOf(loadConfig({ env: {}, cwd: dir }));

    assert.deepEqual(problems.map((p) => p.key).sort(), ['agents.dev.skill', 'agents.dev.token']);
    assert.match(problems.find((p) => p.key === 'agents.dev.token')?.message ?? '', /DEV_TOKEN is not set/);
  });

  describe("an agent's worktree", () => {
    const file = (name: string, keys: string) =>
      `forge: { url: "https://forge.example.com" }\nagents:\n  ${name}: { login: ${name}, token: { env: T }, git: { name: X, email: x@x.org }, skill: skill.md, ${keys}triggers: [{ on: assigned }] }\n`;
    const loadWith = (keys: string, name = 'dev') => {
      const dir = tempDir();
      writeFileSync(join(dir, 'skill.md'), 'skill');
      writeFileSync(join(dir, 'claude-hooks.yaml'), file(name, keys));
      return loadConfig({ env: { T: 'token' }, cwd: dir });
    };

    it('gives each agent the role that works in its kind of worktree', () => {
      const roles = (['default-branch', 'issue-branch', 'pr-head'] as const).map((kind) => {
        const result = loadWith(`worktree: ${kind}, `);
        assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
        return [kind, result.value.agents[0]?.role, result.value.renamedKeys];
      });

      assert.deepEqual(roles, [
        ['default-branch', 'planner', []],
        ['issue-branch', 'implementer', []],
        ['pr-head', 'reviewer', []],
      ]);
    });

    it('still reads workspace, the old name of worktree, and lists it as renamed with where it is written', () => {
      const result = loadWith('workspace: pr-head, ', 'qa');

      assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
      assert.equal(result.value.agents[0]?.role, 'reviewer');
      assert.deepEqual(result.value.renamedKeys, [
        { key: 'agents.qa.workspace', now: 'agents.qa.worktree', source: 'claude-hooks.yaml:3:90' },
      ]);
    });

    it('refuses worktree and workspace both given, naming the old key', () => {
      const problems = problemsOf(loadWith('worktree: issue-branch, workspace: issue-branch, '));

      assert.deepEqual(
        problems.map((p) => `${p.key}: ${p.message}`),
        ['agents.dev.workspace: is the old name of worktree, and both are given: keep worktree only'],
      );
    });

    it('requires one of them, saying which kinds there are', () => {
      const problems = problemsOf(loadWith(''));

      assert.deepEqual(
        problems.map((p) => p.key),
        ['agents.dev.worktree'],
      );
      assert.match(problems[0]!.message, /^required: .*default-branch.*issue-branch.*pr-head/);
    });
  });

  it('reads secrets from files relative to the config file', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'hook'), 'from-a-file\n');
    writeFileSync(join(dir, 'claude-hooks.yaml'), 'forge: { webhookSecret: { file: secrets/hook } }\n');

    const result = loadConfig({ env: {}, cwd: dir });

    assert.ok(result.ok);
    assert.equal(result.value.forge.webhookSecret?.reveal(), 'from-a-file');
  });

  it('rejects a file that is not YAML, naming the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'claude-hooks.yaml'), 'server: [unclosed\n');

    const problems = problemsOf(loadConfig({ env: {}, cwd: dir }));

    assert.equal(problems[0]?.key, '(file)');
    assert.match(problems[0]?.message ?? '', /not valid YAML/);
  });

  it('rejects an explicit --config path that does not exist', () => {
    const problems = problemsOf(loadConfig({ path: 'missing.yaml', env: {}, cwd: tempDir() }));

    assert.match(problems[0]?.message ?? '', /config file not found/);
  });

  it('takes the server timeouts and connection cap, and refuses a headers timeout longer than the request timeout', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      'server: { requestTimeoutSeconds: 20, keepAliveTimeoutSeconds: 2, maxConnections: 300 }\n',
    );
    const bad = tempDir();
    writeFileSync(join(bad, 'claude-hooks.yaml'), 'server: { requestTimeoutSeconds: 5, headersTimeoutSeconds: 10 }\n');

    const result = loadConfig({ env: {}, cwd: dir });
    const problems = problemsOf(loadConfig({ env: {}, cwd: bad }));

    assert.ok(result.ok);
    assert.deepEqual(
      [
        result.value.server.requestTimeoutSeconds,
        result.value.server.headersTimeoutSeconds,
        result.value.server.keepAliveTimeoutSeconds,
        result.value.server.maxConnections,
      ],
      [20, 10, 2, 300],
    );
    assert.deepEqual(
      problems.map((p) => p.key),
      ['server.headersTimeoutSeconds'],
    );
  });

  it('sandboxes agent runs unless the operator writes isolation: none, and takes nothing else', () => {
    const none = tempDir();
    writeFileSync(join(none, 'claude-hooks.yaml'), 'isolation: none\n');
    const bad = tempDir();
    writeFileSync(join(bad, 'claude-hooks.yaml'), 'isolation: docker\n');

    const defaults = loadConfig({ env: {}, cwd: tempDir() });
    const chosen = loadConfig({ env: {}, cwd: none });
    const problems = problemsOf(loadConfig({ env: {}, cwd: bad }));

    assert.ok(defaults.ok && chosen.ok);
    assert.deepEqual([defaults.value.isolation, chosen.value.isolation], ['bwrap', 'none']);
    assert.deepEqual(
      problems.map((p) => p.key),
      ['isolation'],
    );
  });

  it('takes the milestones section with its defaults, and refuses a bad label, a cap of 0, the same two labels and a repository the service does not work on', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      'forge: { repositories: [acme/widget, acme/gadget] }\nmilestones: { label: roadmap, repositories: [acme/widget], stacking: true, maxInFlight: 4, planLabel: "agent/plan" }\n',
    );
    const bad = tempDir();
    writeFileSync(
      join(bad, 'claude-hooks.yaml'),
      'forge: { repositories: [acme/widget] }\nmilestones: { label: "a,b", repositories: [acme/other], maxInFlight: 0 }\n',
    );
    const same = tempDir();
    writeFileSync(join(same, 'claude-hooks.yaml'), 'milestones: { label: Plan }\n');

    const defaults = loadConfig({ env: {}, cwd: tempDir() });
    const chosen = loadConfig({ env: {}, cwd: dir });
    const problems = problemsOf(loadConfig({ env: {}, cwd: bad }));
    const clash = problemsOf(loadConfig({ env: {}, cwd: same }));

    assert.ok(defaults.ok && chosen.ok);
    assert.deepEqual(defaults.value.milestones, {
      label: 'milestone',
      repositories: [],
      stacking: false,
      maxInFlight: 2,
      planLabel: 'plan',
    });
    assert.deepEqual(chosen.value.milestones, {
      label: 'roadmap',
      repositories: ['acme/widget'],
      stacking: true,
      maxInFlight: 4,
      planLabel: 'agent/plan',
    });
    assert.deepEqual(problems.map((p) => p.key).sort(), ['milestones.label', 'milestones.maxInFlight']);
    assert.deepEqual(
      clash.map((p) => p.key),
      ['milestones.planLabel'],
    );
  });

  it('refuses a milestones repository that forge.repositories does not list', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      'forge: { repositories: [acme/widget] }\nmilestones: { repositories: [acme/Widget, acme/other] }\n',
    );

    const problems = problemsOf(loadConfig({ env: {}, cwd: dir }));

    assert.deepEqual(
      problems.map((p) => [p.key, p.message]),
      [
        [
          'milestones.repositories.1',
          'acme/other is not in forge.repositories, so the service reads none of its events; add it there or remove it here',
        ],
      ],
    );
  });

  it('reads the metrics token and the service forge token as secrets, and refuses a network entry that is not a host', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      'server: { metricsToken: { env: M } }\nforge: { serviceToken: { env: S } }\n',
    );
    const bad = tempDir();
    mkdirSync(join(bad, 'skills'));
    writeFileSync(join(bad, 'skills', 'dev.md'), 'dev');
    writeFileSync(
      join(bad, 'claude-hooks.yaml'),
      'forge: { url: http://forge.test }\nagents:\n  dev: { login: dev, token: { env: T }, git: { name: D, email: d@x.y }, skill: skills/dev.md, worktree: issue-branch, triggers: [{ on: mention }], network: { allow: [registry.npmjs.org, "*.pypi.org:443", "http://evil/"] } }\n',
    );

    const result = loadConfig({ env: { M: 'metrics-token-value', S: 'service-token-value' }, cwd: dir });
    const problems = problemsOf(loadConfig({ env: { T: 'token-value' }, cwd: bad }));

    assert.ok(result.ok);
    assert.deepEqual(
      [result.value.server.metricsToken?.reveal(), result.value.forge.serviceToken?.reveal()],
      ['metrics-token-value', 'service-token-value'],
    );
    assert.deepEqual(
      problems.map((p) => p.key),
      ['agents.dev.network.allow.2'],
    );
  });

  it('accepts a secret written in the file as { value }, listing its key and where it is written, in file order; one from an environment override is not listed', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'skill.md'), 'skill');
    const agent = (login: string, token: string) =>
      `{ login: ${login}, token: ${token}, git: { name: X, email: x@x.org }, skill: skill.md, worktree: issue-branch, triggers: [{ on: assigned }] }`;
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      [
        'adminToken: { value: admin-token-in-file }',
        'forge: { url: "https://forge.example.com", webhookSecret: { value: overridden-by-the-environment } }',
        'model: { name: claude-sonnet-4-5, credential: { value: sk-in-file } }',
        'agents:',
        `  dev: ${agent('dev', '{ value: dev-token-in-file }')}`,
        `  boss: ${agent('boss', '{ env: BOSS_TOKEN }')}`,
      ].join('\n'),
    );

    const result = loadConfig({
      env: { BOSS_TOKEN: 'boss-token', CLAUDE_HOOKS_WEBHOOK_SECRET: 'hook-secret' },
      cwd: dir,
    });

    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    assert.deepEqual(
      [
        result.value.adminToken?.reveal(),
        result.value.agents[0]?.token.reveal(),
        result.value.forge.webhookSecret?.reveal(),
      ],
      ['admin-token-in-file', 'dev-token-in-file', 'hook-secret'],
    );
    assert.deepEqual(result.value.secretsInFile, [
      { key: 'adminToken', source: 'claude-hooks.yaml:1:1' },
      { key: 'model.credential', source: 'claude-hooks.yaml:3:35' },
      { key: 'agents.dev.token', source: 'claude-hooks.yaml:5:22' },
    ]);
  });

  it('rejects a port override that is not a number', () => {
    const problems = problemsOf(loadConfig({ env: { CLAUDE_HOOKS_PORT: 'eighty' }, cwd: tempDir() }));

    assert.equal(problems[0]?.key, 'CLAUDE_HOOKS_PORT');
  });

  it('refuses forge.kind github until a GitHub API client exists, saying so', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'claude-hooks.yaml'), 'forge: { kind: github }\n');

    const fromFile = problemsOf(loadConfig({ env: {}, cwd: dir }));
    const fromEnv = problemsOf(loadConfig({ env: { CLAUDE_HOOKS_FORGE_KIND: 'github' }, cwd: tempDir() }));

    for (const problems of [fromFile, fromEnv]) {
      assert.equal(problems.length, 1);
      assert.match(
        problems[0]!.message,
        /github is not supported yet: only a Forgejo\/Gitea API client exists.*Use forgejo or gitea/,
      );
    }
  });

  it('freezes the result', () => {
    const result = loadConfig({ env: {}, cwd: tempDir() });

    assert.ok(result.ok);
    assert.throws(() => {
      (result.value.server as { port: number }).port = 1;
    }, TypeError);
  });
});

describe('config check output', () => {
  it('prints the effective configuration with every secret redacted', () => {
    const env = { CLAUDE_HOOKS_WEBHOOK_SECRET: 'hook-secret-value', CLAUDE_HOOKS_ADMIN_TOKEN: 'admin-token-value' };
    const result = loadConfig({ env, cwd: tempDir() });
    assert.ok(result.ok);
    let text = '';

    printConfig(result.value, { write: (t: string) => (text += t) });

    assert.doesNotMatch(text, /hook-secret-value|admin-token-value/);
    assert.match(text, /webhookSecret:\n {4}env: CLAUDE_HOOKS_WEBHOOK_SECRET\n/);
    assert.match(text, /adminToken:\n {2}env: CLAUDE_HOOKS_ADMIN_TOKEN\n/);
    assert.match(text, /port: 8080/);
  });

  it('prints a configuration that, pasted back as the file, loads to the same configuration', () => {
    const dir = tempDir();
    copyFileSync(join(projectRoot, 'claude-hooks.example.yaml'), join(dir, 'claude-hooks.yaml'));
    cpSync(join(projectRoot, 'skills'), join(dir, 'skills'), { recursive: true });
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'admin'), 'admin-from-file\n');
    const env = {
      BOSS_FORGE_TOKEN: 'b',
      DEV_FORGE_TOKEN: 'd',
      REVIEWER_FORGE_TOKEN: 'r',
      CLAUDE_HOOKS_WEBHOOK_SECRET: 's',
    };
    writeFileSync(
      join(dir, 'claude-hooks.yaml'),
      readFileSync(join(dir, 'claude-hooks.yaml'), 'utf8').replace(
        /^adminToken:.*$/m,
        'adminToken: { file: secrets/admin }',
      ),
    );
    const first = loadConfig({ env, cwd: dir });
    assert.ok(first.ok, JSON.stringify(!first.ok && first.error));
    const printed = print(first.value);

    const pasted = join(tempDir(), 'pasted.yaml');
    writeFileSync(pasted, printed);
    const second = loadConfig({ path: pasted, env, cwd: dir });

    assert.ok(second.ok, JSON.stringify(!second.ok && second.error));
    assert.match(
      printed,
      /^agents:\n {2}boss:\n {4}login: boss\n {4}token:\n {6}env: BOSS_FORGE_TOKEN\n/m,
      'agents are the YAML map, not a list with name:',
    );
    assert.match(printed, new RegExp(`adminToken:\\n {2}file: ${join(dir, 'secrets', 'admin')}\\n`));
    assert.equal(print(second.value).split('\n').slice(1).join('\n'), printed.split('\n').slice(1).join('\n'));
    assert.equal(second.value.agents.find((a) => a.name === 'dev')?.token.reveal(), 'd');
    assert.equal(second.value.adminToken?.reveal(), 'admin-from-file');
  });

  it('names where each problem came from: file:line:column, or the environment variable', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'claude-hooks.yaml'), ['server:', '  port: eighty', 'forge:', '  kind: svn'].join('\n'));
    const problems = problemsOf(
      loadConfig({ env: { CLAUDE_HOOKS_FORGE_KIND: 'cvs', CLAUDE_HOOKS_LOG_LEVEL: 'loud' }, cwd: dir }),
    );
    let text = '';

    printProblems(problems, { write: (t: string) => (text += t) });

    assert.deepEqual(
      problems.map((p) => [p.key, p.source]),
      [
        ['server.port', 'claude-hooks.yaml:2:3'],
        ['logLevel', 'CLAUDE_HOOKS_LOG_LEVEL'],
        ['forge.kind', 'CLAUDE_HOOKS_FORGE_KIND'],
      ],
    );
    assert.match(text, /- server\.port \(claude-hooks\.yaml:2:3\): /);
    assert.match(text, /- forge\.kind \(CLAUDE_HOOKS_FORGE_KIND\): /);
  });

  it('lists every problem on its own line', () => {
    let text = '';

    printProblems(
      [
        { key: 'a.b', message: 'bad' },
        { key: 'c', message: 'worse' },
      ],
      { write: (t: string) => (text += t) },
    );

    assert.match(text, /2 problems/);
    assert.match(text, /- a\.b: bad\n {2}- c: worse/);
  });
  describe('model and budgets', () => {
    const agentYaml = (name: string, login: string, extra = '') =>
      `  ${name}: { login: ${login}, token: { env: TOKEN }, git: { name: X, email: x@x.org }, skill: skill.md, worktree: issue-branch, triggers: [{ on: assigned }]${extra} }\n`;
    const load = (yaml: string, env: Record<string, string> = {}) => {
      const dir = tempDir();
      writeFileSync(join(dir, 'skill.md'), 'skill');
      writeFileSync(join(dir, 'claude-hooks.yaml'), `forge: { url: "https://forge.example.com" }\n${yaml}`);
      return loadConfig({ env: { TOKEN: 't', ...env }, cwd: dir });
    };

    it('gives every agent the global model, with per-agent overrides and the credential kind read from its variable', () => {
      const result = load(
        `model: { name: claude-sonnet-4-5, credential: { env: ANTHROPIC_API_KEY }, baseUrl: "https://gateway.example.com/" }\nagents:\n${agentYaml('dev', 'dev')}${agentYaml('boss', 'boss', ', model: { name: claude-opus-4-1, credential: { env: CLAUDE_CODE_OAUTH_TOKEN } }')}`,
        { ANTHROPIC_API_KEY: 'sk-api', CLAUDE_CODE_OAUTH_TOKEN: 'oauth' },
      );

      assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
      const [dev, boss] = result.value.agents;
      assert.deepEqual(
        [dev?.model?.name, dev?.model?.credential.kind, dev?.model?.credential.secret.reveal(), dev?.model?.baseUrl],
        ['claude-sonnet-4-5', 'api-key', 'sk-api', 'https://gateway.example.com'],
      );
      assert.deepEqual(
        [boss?.model?.name, boss?.model?.credential.kind, boss?.model?.credential.secret.reveal()],
        ['claude-opus-4-1', 'oauth-token', 'oauth'],
      );
    });

    it('leaves agents without a model when no credential is configured, and fills the budget defaults', () => {
      const result = load(`agents:\n${agentYaml('dev', 'dev')}`);

      assert.ok(result.ok);
      assert.equal(result.value.agents[0]?.model, undefined);
      assert.deepEqual(result.value.agents[0]?.limits, {
        runsPerHour: 6,
        concurrency: 2,
        maxTurns: 50,
        maxBudgetUsd: 5,
        maxRunMinutes: 30,
        maxIssueUsd: 20,
        maxDailyUsd: 50,
        maxIssuesPerRun: 30,
      });
    });

    it('names a model credential variable that is not set, and a per-agent model with no name to fall back on', () => {
      const problems = problemsOf(
        load(`model: { name: m, credential: { env: ANTHROPIC_API_KEY } }\nagents:\n${agentYaml('dev', 'dev')}`),
      );
      const nameless = problemsOf(
        load(`agents:\n${agentYaml('dev', 'dev', ', model: { credential: { env: TOKEN } }')}`),
      );

      assert.deepEqual(
        problems.map((p) => [p.key, p.message]),
        [['model.credential', 'environment variable ANTHROPIC_API_KEY is not set']],
      );
      assert.deepEqual(
        nameless.map((p) => p.key),
        ['agents.dev.model.name'],
      );
    });

    for (const [written, model] of [
      ['no name', 'model:\n  credential: { env: ANTHROPIC_API_KEY }\n'],
      ['an empty name', 'model:\n  name: ""\n  credential: { env: ANTHROPIC_API_KEY }\n'],
    ] as const) {
      it(`says model.name is required and what to write, for a model with ${written} (there is no default)`, () => {
        const problems = problemsOf(load(model, { ANTHROPIC_API_KEY: 'sk-api' }));

        assert.deepEqual(
          problems.map((p) => [p.key, p.message]),
          [
            [
              'model.name',
              'required, no default: name the model agents run on, e.g. `name: claude-sonnet-4-5` (any model the Messages API serves)',
            ],
          ],
        );
        assert.match(problems[0]?.source ?? '', /^claude-hooks\.yaml:[23]:/);
      });
    }
  });
});
