/**
 * A generated repository about the size of a mid-sized real project — ~3,000 files, ~10,000
 * commits, a ~100 MB pack — written with `git fast-import` from a seeded generator (the same
 * repository every time), then repacked with deltas, a bitmap and a commit-graph as a forge's gc
 * leaves it. Built once under `bench/.cache/` and reused while its parameters are unchanged.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

export interface RepoShape {
  readonly files: number;
  readonly commits: number;
  /** Bytes of new text a commit writes into each file it changes (what drives the pack size). */
  readonly changeBytes: number;
}

export const MID_SIZED: RepoShape = { files: 3000, commits: 10_000, changeBytes: 6144 };

/** A small, fast, seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'const let return function export import from async await if else for while switch case break new this value result error config store queue worker branch commit tree repo fetch push merge review issue agent token path file data log time map set list item key'.split(
    ' ',
  );

function lines(next: () => number, bytes: number): string[] {
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const words = Array.from(
      { length: 4 + Math.floor(next() * 6) },
      () => WORDS[Math.floor(next() * WORDS.length)],
    ).join(' ');
    const id = Math.floor(next() * 2 ** 48).toString(36);
    const line = `  ${words} v_${id} = ${Math.floor(next() * 1e9)}; // ${Math.floor(next() * 2 ** 52).toString(16)}`;
    out.push(line);
    size += line.length + 1;
  }
  return out;
}

function pathOf(i: number): string {
  return `src/mod${String(i % 40).padStart(2, '0')}/part${String(Math.floor(i / 40) % 8)}/file${i}.ts`;
}

/** Writes the fast-import stream for `shape` to `sink`, resolving when done. */
async function writeStream(shape: RepoShape, sink: Writable): Promise<void> {
  const next = random(20260415);
  const contents: string[][] = [];
  let pending = '';
  const write = async (text: string) => {
    pending += text;
    if (pending.length < 1 << 20) return;
    const chunk = pending;
    pending = '';
    if (!sink.write(chunk)) await new Promise((resolve) => sink.once('drain', resolve));
  };
  const blob = async (path: string, body: string) => {
    const bytes = Buffer.byteLength(body);
    await write(`M 100644 inline ${path}\ndata ${bytes}\n${body}\n`);
  };
  const commitHeader = async (n: number, message: string) => {
    const when = 1_700_000_000 + n * 600;
    await write(
      `commit refs/heads/main\nmark :${n + 1}\ncommitter Bench <bench@example.test> ${when} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n`,
    );
    if (n > 0) await write(`from :${n}\n`);
  };

  await commitHeader(0, 'initial import');
  for (let i = 0; i < shape.files; i++) {
    contents[i] = lines(next, 2048 + Math.floor(next() * 8192));
    await blob(pathOf(i), `${contents[i]!.join('\n')}\n`);
  }
  for (let n = 1; n < shape.commits; n++) {
    await commitHeader(n, `change ${n}`);
    const touched = 1 + Math.floor(next() * 4);
    for (let t = 0; t < touched; t++) {
      const i = Math.floor(next() * shape.files);
      const file = contents[i]!;
      const fresh = lines(next, shape.changeBytes * (0.5 + next()));
      const at = Math.floor(next() * file.length);
      file.splice(at, fresh.length, ...fresh);
      await blob(pathOf(i), `${file.join('\n')}\n`);
    }
  }
  await new Promise<void>((resolve) => sink.end(`${pending}done\n`, resolve));
}

function git(cwd: string, args: readonly string[]): string {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/**
 * The bare repository `<root>/bench/project.git` for `shape`, generated if missing. Logs progress
 * with `say`, since the first build takes minutes.
 */
export async function ensureBenchRepo(root: string, shape: RepoShape, say: (line: string) => void): Promise<string> {
  const bare = join(root, 'bench', 'project.git');
  const marker = join(root, 'shape.json');
  const wanted = JSON.stringify(shape);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return bare;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(bare, { recursive: true });
  git(bare, ['init', '--quiet', '--bare', '--initial-branch=main']);
  say(`generating ${shape.files} files × ${shape.commits} commits with git fast-import (once; cached in ${root})`);
  const started = Date.now();
  const importer = spawn('git', ['fast-import', '--quiet', '--done'], {
    cwd: bare,
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => importer.on('close', resolve));
  await writeStream(shape, importer.stdin);
  if ((await exited) !== 0) throw new Error('git fast-import failed');
  say(
    `imported in ${((Date.now() - started) / 1000).toFixed(0)} s; repacking with deltas and a bitmap as a forge's gc would`,
  );
  git(bare, ['repack', '-a', '-d', '-f', '-b', '--window=10', '--depth=50', '--quiet']);
  git(bare, ['commit-graph', 'write', '--reachable']);
  git(bare, ['prune-packed']);
  say(`ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  writeFileSync(marker, wanted);
  return bare;
}
