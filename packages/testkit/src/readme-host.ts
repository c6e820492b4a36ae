import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export interface ReadmeHostOptions {
  /** The README holding the host, a ```js block after the words "Save as `server.mjs`". */
  readonly readme: string;
  /** Package folders to pack (with `pnpm pack`, which resolves `workspace:` ranges) and install. */
  readonly packages: readonly string[];
  /** Registry packages installed beside them, e.g. `ws@^8.18.0`. */
  readonly dependencies?: readonly string[];
  /** The server's environment besides PATH, PORT and PUBLIC_URL. */
  readonly env?: Readonly<Record<string, string>>;
  /** The port to give the server (default: a free one), for peers that must know it beforehand. */
  readonly port?: number;
  /** What the server prints once it listens (default `listening on`). */
  readonly readyText?: string;
}

/** A README's `server.mjs`, installed from packed packages in an empty directory and running. */
export interface ReadmeHost {
  /** `http://127.0.0.1:<port>`, also given to the server as PUBLIC_URL. */
  readonly url: string;
  /** Everything the server printed so far, stdout and stderr. */
  output(): string;
  close(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
  });
}

/**
 * Runs a package README's host as a newcomer would: the packages packed,
 * installed with plain npm in a new directory (so nothing of the workspace
 * leaks in), the README's `server.mjs` block written out unchanged and
 * started with `node`. Resolves once the server says it listens; rejects
 * with its output if it exits first. Packing and installing take tens of
 * seconds: give the calling hook a long timeout.
 */
export async function startReadmeHost(options: ReadmeHostOptions): Promise<ReadmeHost> {
  const directory = await mkdtemp(join(tmpdir(), 'patchbay-readme-host-'));
  let server: ChildProcess | undefined;
  const output: string[] = [];
  const close = async () => {
    server?.kill();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const tarballs = options.packages.map(
      (path) =>
        execFileSync('pnpm', ['pack', '--pack-destination', directory], {
          cwd: path,
          encoding: 'utf8',
        })
          .trim()
          .split('\n')
          .at(-1)!,
    );
    await writeFile(join(directory, 'package.json'), JSON.stringify({ private: true }));
    execFileSync(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...tarballs,
        ...(options.dependencies ?? []),
      ],
      { cwd: directory, stdio: 'inherit' },
    );
    const readme = await readFile(options.readme, 'utf8');
    const start = readme.indexOf('Save as `server.mjs`');
    const code = start < 0 ? undefined : /```js\n([\s\S]+?)```/.exec(readme.slice(start))?.[1];
    if (!code) throw new Error(`${options.readme} has no server.mjs block`);
    await writeFile(join(directory, 'server.mjs'), code);

    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const running = spawn(process.execPath, ['server.mjs'], {
      cwd: directory,
      env: {
        PATH: process.env['PATH'],
        PORT: String(port),
        PUBLIC_URL: url,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = running;
    const readyText = options.readyText ?? 'listening on';
    await new Promise<void>((resolve, reject) => {
      running.stdout!.on('data', (chunk) => {
        output.push(String(chunk));
        if (output.join('').includes(readyText)) resolve();
      });
      running.stderr!.on('data', (chunk) => output.push(String(chunk)));
      running.once('exit', (code) =>
        reject(new Error(`server.mjs exited (${code}): ${output.join('')}`)),
      );
    });
    return { url, output: () => output.join(''), close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface MediaUrlExercise {
  /** What the carrier sends first (connected, start), in its dialect. */
  readonly opening: readonly string[];
  /** The carrier's nth media message (from 1), sent every 20 ms; bytes go as a binary frame. */
  readonly frame: (n: number) => string | Uint8Array;
  /** How many media messages to send (default 10). */
  readonly frames?: number;
  /** How many answers to wait for (default 8: the bridge's lead may hold the last back). */
  readonly answers?: number;
}

/**
 * Opens a media URL a host handed out as a carrier would, streams audio
 * in real time and collects what the host sends back (text frames as
 * strings, binary ones as bytes), then tries the same
 * URL again. Resolves with the host's messages and the HTTP status of the
 * second upgrade (0 when it was accepted). Rejects when fewer answers than
 * asked came within 5 s.
 */
export async function exerciseMediaUrl(
  url: string,
  exercise: MediaUrlExercise,
): Promise<{ answers: (string | Buffer)[]; reuseStatus: number }> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  // Text frames as strings, binary frames as their bytes.
  const answers: (string | Buffer)[] = [];
  socket.on('message', (data, isBinary) =>
    answers.push(isBinary ? Buffer.from(data as Buffer) : String(data)),
  );
  for (const message of exercise.opening) socket.send(message);
  for (let n = 1; n <= (exercise.frames ?? 10); n++) {
    socket.send(exercise.frame(n));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const wanted = exercise.answers ?? 8;
  const deadline = Date.now() + 5000;
  while (answers.length < wanted && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  socket.close();
  if (answers.length < wanted)
    throw new Error(`${answers.length} answers on the media socket, wanted ${wanted}`);

  const again = new WebSocket(url);
  const reuseStatus = await new Promise<number>((resolve) => {
    again.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    again.once('open', () => {
      again.close();
      resolve(0);
    });
    again.once('error', () => resolve(0));
  });
  return { answers, reuseStatus };
}

/**
 * A Plivo-style audio stream (Plivo, Vobiz) as the carrier opens it: a
 * `start` naming the call, then inbound mu-law `media` frames of `payload`
 * (base64), for {@link exerciseMediaUrl}.
 */
export function plivoStyleStream(options: {
  readonly callId: string;
  readonly streamId: string;
  readonly accountId: string;
  readonly payload: string;
}): MediaUrlExercise {
  const { callId, streamId, accountId, payload } = options;
  return {
    opening: [
      JSON.stringify({
        event: 'start',
        sequenceNumber: 0,
        start: {
          callId,
          streamId,
          accountId,
          tracks: ['inbound'],
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000 },
        },
      }),
    ],
    frame: (chunk) =>
      JSON.stringify({
        event: 'media',
        sequenceNumber: chunk,
        streamId,
        media: { track: 'inbound', timestamp: String(Date.now()), chunk, payload },
      }),
  };
}
