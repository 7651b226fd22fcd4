import { strict as assert } from 'node:assert';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { doctorReadiness, readLastDoctorResult, saveDoctorResult } from './last-result.js';

describe('the last doctor result', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'doctor-result-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('reads as undefined, and /readyz says "never run", before doctor ran', async () => {
    assert.equal(await readLastDoctorResult(dataDir), undefined);
    assert.deepEqual(await doctorReadiness(dataDir).run(), {
      ok: true,
      detail: 'never run: run `claude-hooks doctor` to check the installation',
    });
  });

  it('is saved 0600 and read back', async () => {
    const result = {
      at: '2026-12-01T03:00:00.000Z',
      ok: true,
      checks: [{ title: 'git is installed', ok: true, detail: 'git 2.43.0' }],
    };

    await saveDoctorResult(dataDir, result);

    assert.deepEqual(await readLastDoctorResult(dataDir), result);
    assert.equal((await stat(join(dataDir, 'doctor-result.json'))).mode & 0o777, 0o600);
  });

  it('shows failed checks in /readyz without failing readiness', async () => {
    await saveDoctorResult(dataDir, {
      at: '2026-12-01T03:00:00.000Z',
      ok: false,
      checks: [
        { title: 'boss has admin on acme/widget', ok: false, detail: 'write', fix: 'give boss admin' },
        { title: 'git is installed', ok: true, detail: 'git' },
      ],
    });

    const line = await doctorReadiness(dataDir).run();

    assert.equal(line.ok, true);
    assert.match(
      line.detail,
      /last run 2026-12-01T03:00:00.000Z: 1 of 2 checks failed: boss has admin on acme\/widget/,
    );
  });

  it('ignores a file that is not a doctor result', async () => {
    await writeFile(join(dataDir, 'doctor-result.json'), '{"something": "else"}');

    assert.equal(await readLastDoctorResult(dataDir), undefined);
  });
});
