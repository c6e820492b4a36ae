// Recording harness: drives a real Asterisk over ARI the way Patchbay does, and records the wire.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { WebSocket, WebSocketServer } from 'ws';

export const ARI = process.env.ARI ?? 'http://127.0.0.1:8088';
export const AUTH = 'Basic ' + Buffer.from('patchbay:secret').toString('base64');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Recording {
  constructor(flow, { app = 'patchbay_rec', mediaPort = 9099 } = {}) {
    this.flow = flow;
    this.app = app;
    this.mediaPort = mediaPort;
    this.t0 = Date.now();
    this.log = [];
    this.waiters = [];
    this.sessions = [];
    this.sessionWaiters = [];
    this.children = [];
  }
  at() {
    return Date.now() - this.t0;
  }
  push(entry) {
    const e = { at: this.at(), ...entry };
    this.log.push(e);
    for (const w of [...this.waiters])
      if (w.pred(e)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    return e;
  }
  async open() {
    this.media = new WebSocketServer({
      host: '127.0.0.1',
      port: this.mediaPort,
      handleProtocols: (p) => (p.has('media') ? 'media' : false),
    });
    this.media.on('connection', (socket, request) => {
      const s = {
        socket,
        url: request.url,
        frames: 0,
        bytes: 0,
        sizes: new Set(),
        first: undefined,
        last: undefined,
        echo: true,
        gaps: [],
      };
      this.sessions.push(s);
      const idx = this.sessions.length - 1;
      this.push({ kind: 'media-open', session: idx, url: request.url, protocol: socket.protocol });
      socket.on('message', (data, binary) => {
        if (binary) {
          const now = this.at();
          if (s.last !== undefined && now - s.last > 100) s.gaps.push([s.last, now]);
          s.frames++;
          s.bytes += data.length;
          s.sizes.add(data.length);
          s.first ??= now;
          s.last = now;
          if (s.echo && socket.readyState === 1) socket.send(data);
          return;
        }
        this.push({ kind: 'media-in', session: idx, text: String(data) });
      });
      socket.on('close', (code, reason) =>
        this.push({
          kind: 'media-close',
          session: idx,
          code,
          reason: String(reason),
          frames: s.frames,
          bytes: s.bytes,
          sizes: [...s.sizes],
          firstAudioAt: s.first,
          lastAudioAt: s.last,
          gaps: s.gaps,
        }),
      );
      for (const w of this.sessionWaiters.splice(0)) w(s);
    });
    await this.connectEvents();
  }
  async connectEvents(name = 'events') {
    const ws = new WebSocket(
      `${ARI.replace('http', 'ws')}/ari/events?app=${this.app}&subscribeAll=false`,
      { headers: { authorization: AUTH } },
    );
    ws.on('message', (data) => {
      const event = JSON.parse(String(data));
      this.push({ kind: 'event', socket: name, event });
    });
    ws.on('close', (code, reason) =>
      this.push({ kind: 'events-close', socket: name, code, reason: String(reason) }),
    );
    ws.on('unexpected-response', (_q, res) =>
      this.push({ kind: 'events-refused', socket: name, status: res.statusCode }),
    );
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    this.push({ kind: 'events-open', socket: name });
    this[name] = ws;
    return ws;
  }
  async ari(method, path, query = {}) {
    const qs = new URLSearchParams(query).toString();
    const sentAt = this.at();
    const response = await fetch(`${ARI}/ari${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers: { authorization: AUTH },
    });
    const text = await response.text();
    let body;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    this.push({
      kind: 'request',
      sentAt,
      method,
      path,
      query,
      status: response.status,
      ...(body === undefined ? {} : { body }),
    });
    return { status: response.status, body };
  }
  wait(pred, ms = 15000, what = 'entry') {
    const found = this.log.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.flow}: no ${what} within ${ms} ms`)),
        ms,
      );
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }
  event(type, extra = () => true, ms) {
    return this.wait(
      (e) => e.kind === 'event' && e.event.type === type && extra(e.event),
      ms,
      `event ${type}`,
    );
  }
  nextSession(ms = 10000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no media session')), ms);
      this.sessionWaiters.push((s) => {
        clearTimeout(timer);
        resolve(s);
      });
    });
  }
  mediaSend(session, text) {
    this.push({ kind: 'media-out', session: this.sessions.indexOf(session), text });
    session.socket.send(text);
  }
  note(text) {
    this.push({ kind: 'note', text });
  }
  sipp(args, label) {
    const child = spawn(
      'sipp',
      [...args, '-trace_err', '-nostdin', '-bg'].filter((a) => a !== '-bg'),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const done = new Promise((resolve) =>
      child.on('exit', (code) => {
        this.push({ kind: 'sipp-exit', label, code });
        resolve({ code, out });
      }),
    );
    this.push({ kind: 'sipp-start', label, args: args.join(' ') });
    this.children.push(child);
    return { child, done };
  }
  async close() {
    for (const c of this.children)
      if (c.exitCode === null) {
        c.kill('SIGKILL');
        await new Promise((r) => c.once('exit', r));
      }
    for (const ws of [this.events, this.events2, this.events3])
      try {
        ws?.close();
      } catch {}
    for (const s of this.sessions)
      try {
        s.socket.close();
      } catch {}
    await new Promise((r) => this.media.close(r));
  }
  save(dir) {
    writeFileSync(
      `${dir}/${this.flow}.raw.json`,
      JSON.stringify({ flow: this.flow, log: this.log }, null, 1),
    );
  }
}
