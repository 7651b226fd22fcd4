import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addServiceTokenToConfig, configHasServiceToken } from './init-files.js';

describe('adding forge.serviceToken to a config init did not write', () => {
  let dir: string;
  const layout = () => ({ dataDir: join(dir, 'data'), configPath: join(dir, 'claude-hooks.yaml') });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'init-files-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('adds the key under forge, keeping comments, order and the other keys', async () => {
    await writeFile(
      layout().configPath,
      ['# ours', 'forge:', '  kind: gitea # the old one', '  url: "https://forge.example.com"', 'agents: {}', ''].join(
        '\n',
      ),
    );

    await addServiceTokenToConfig(layout());

    assert.equal(
      await readFile(layout().configPath, 'utf8'),
      [
        '# ours',
        'forge:',
        '  kind: gitea # the old one',
        '  url: "https://forge.example.com"',
        '  serviceToken: { file: ./data/secrets/service-forge-token }',
        'agents: {}',
        '',
      ].join('\n'),
    );
    assert.equal(await configHasServiceToken(layout().configPath), true);
  });

  it('adds a forge section to a config without one', async () => {
    await writeFile(layout().configPath, 'dataDir: ./data\n');

    await addServiceTokenToConfig(layout());

    assert.equal(
      await readFile(layout().configPath, 'utf8'),
      'dataDir: ./data\nforge:\n  serviceToken: { file: ./data/secrets/service-forge-token }\n',
    );
  });

  it('takes a service token set from the environment as set', async () => {
    await writeFile(layout().configPath, 'forge:\n  serviceToken: { env: SERVICE_TOKEN }\n');

    assert.equal(await configHasServiceToken(layout().configPath), true);
  });

  it('names the line of a config it cannot read', async () => {
    await writeFile(layout().configPath, 'forge: [\n');

    await assert.rejects(configHasServiceToken(layout().configPath), /cannot read .*claude-hooks\.yaml/);
  });
});
