// 3CX through the bridging Asterisk (A, PJSIP realtime on PostgreSQL), with a second Asterisk (B) as the 3CX registrar.
import { spawnSync } from 'node:child_process';

const KEY = process.env.KEY;
const API = process.env.API ?? 'http://127.0.0.1:8090';
// CLIs of the Asterisk under test and of the one standing in for 3CX, e.g. `/opt/asterisk/sbin/asterisk -C /opt/asterisk/etc/asterisk.conf`.
const ASTERISK = (process.env.ASTERISK_CLI ?? 'asterisk').split(' ');
const REGISTRAR = (process.env.REGISTRAR_CLI ?? 'asterisk').split(' ');
const SIPP = new URL('./sipp', import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cli = (which, cmd) =>
  spawnSync((which === 'a' ? ASTERISK : REGISTRAR)[0], [
    ...(which === 'a' ? ASTERISK : REGISTRAR).slice(1),
    '-rx',
    cmd,
  ]).stdout.toString();
async function api(method, path, body) {
  const r = await fetch(API + path, {
    method,
    headers: {
      authorization: `Bearer ${KEY}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const t = await r.text();
  return { status: r.status, body: t ? JSON.parse(t) : undefined };
}
const results = [];
const check = (name, ok, detail) => {
  results.push(ok);
  console.log(ok ? 'PASS' : 'FAIL', name, detail ?? '');
};
async function waitStatus(id, want, ms = 15000) {
  const until = Date.now() + ms;
  let s;
  while (Date.now() < until) {
    s = (await api('GET', `/api/v1/calls/${id}`)).body;
    if (want.includes(s.status)) return s;
    await sleep(200);
  }
  return s;
}
const channels = (w) =>
  Number(/(\d+) active channel/.exec(cli(w, 'core show channels count'))?.[1] ?? -1);
const agents = (await api('GET', '/api/v1/agents')).body;
const echo = (agents.agents ?? agents)[0];

for (const old of (await api('GET', '/api/v1/configurations')).body.configurations ?? [])
  console.log('cleanup', old.id, (await api('DELETE', `/api/v1/configurations/${old.id}`)).status);
const cfg = await api('POST', '/api/v1/configurations', {
  name: `3CX ${Date.now()}`,
  config: {
    provider: 'three_cx',
    ari_endpoint: 'http://127.0.0.1:8088',
    app_name: 'patchbay',
    app_password: 'secret',
    ws_client_name: 'patchbay-3cx',
    sip_domain: '127.0.0.3',
    extension: '12611',
    sip_password: 'ext-secret',
    strip_prefix: '^\\+39',
    from_numbers: ['+390612345678'],
  },
});
console.log('save', cfg.status, JSON.stringify(cfg.body).slice(0, 200));
let regs = '';
const savedAt = Date.now();
for (let i = 0; i < 60 && !/127\.0\.0\.3.*Registered/.test(regs); i++) {
  await sleep(250);
  regs = cli('a', 'pjsip show registrations');
}
console.log('registered after', Date.now() - savedAt, 'ms');
console.log(
  regs
    .split('\n')
    .filter((l) => l.includes('127.0.0.3'))
    .join('\n'),
);
console.log(
  cli('b', 'pjsip show contacts')
    .split('\n')
    .filter((l) => l.includes('Contact:'))
    .join('\n'),
);
check('saving registers with no reload by hand', /Registered/.test(regs), '');
await api('POST', '/api/v1/phone-numbers', {
  address: '12611',
  configurationId: cfg.body.id,
  agentId: echo.id,
});

// inbound from "3CX"
cli('b', 'channel originate PJSIP/12611 extension s@to-extension');
await sleep(3000);
const call = (await api('GET', '/api/v1/calls')).body.calls[0];
console.log('inbound call', call?.status, call?.direction, call?.from, call?.to);
const live = call?.status;
cli('b', 'channel request hangup all');
let s = await waitStatus(call.id, ['completed', 'failed']);
await sleep(500);
check(
  'an inbound call from 3CX reaches the agent and ends when 3CX hangs up',
  live === 'in-progress' && s.status === 'completed' && channels('a') === 0,
  `${live} -> ${s.status} A channels=${channels('a')}`,
);

// outbound, prefix stripped
let placed = await api('POST', '/api/v1/calls', {
  configurationId: cfg.body.id,
  agentId: echo.id,
  to: '+393331112222',
});
s = await waitStatus(placed.body.id, ['in-progress', 'failed', 'busy']);
const bView = cli('b', 'core show channels concise');
console.log('B sees:', bView.trim().split('\n')[0]);
await sleep(1500);
await api('POST', `/api/v1/calls/${placed.body.id}/hangup`);
const end = await waitStatus(placed.body.id, ['completed', 'failed']);
await sleep(500);
check(
  'outbound goes out with the prefix stripped and the default caller id, answered, ended',
  s.status === 'in-progress' &&
    /3331112222/.test(bView) &&
    end.status === 'completed' &&
    channels('a') === 0,
  `${placed.status} ${s.status} -> ${end.status}`,
);

placed = await api('POST', '/api/v1/calls', {
  configurationId: cfg.body.id,
  agentId: echo.id,
  to: '+393330000486',
});
s = await waitStatus(placed.body.id, ['busy', 'failed', 'no-answer', 'completed']);
check('3CX busy is busy', s.status === 'busy', s.status);
placed = await api('POST', '/api/v1/calls', {
  configurationId: cfg.body.id,
  agentId: echo.id,
  to: '+393330000408',
  ringTimeoutSeconds: 5,
});
s = await waitStatus(
  placed.body.id,
  ['busy', 'failed', 'no-answer', 'completed', 'canceled'],
  20000,
);
check('3CX no-answer is no-answer', s.status === 'no-answer', s.status);

const del = await api('DELETE', `/api/v1/configurations/${cfg.body.id}`);
await sleep(2500);
const after = cli('a', 'pjsip show registrations');
const contacts = cli('b', 'pjsip show contacts');
const rows = spawnSync('psql', [
  '-h',
  '127.0.0.1',
  '-U',
  'postgres',
  '-d',
  'asterisk',
  '-tAc',
  'select count(*) from ps_registrations; select count(*) from ps_auths;',
])
  .stdout.toString()
  .trim();
console.log(
  'after delete:',
  del.status,
  'A regs:',
  after.includes('12611') ? 'still listed' : 'none',
  '| B contacts:',
  contacts.includes('12611/sip') ? 'still registered' : 'none',
  '| rows',
  rows.replace('\n', ','),
);
check(
  'deleting removes the registration',
  del.status < 300 && !contacts.includes('12611/sip') && !after.includes('127.0.0.3'),
  '',
);
console.log(
  JSON.stringify({
    passed: results.filter(Boolean).length,
    failed: results.filter((r) => !r).length,
  }),
);
process.exit(0);
