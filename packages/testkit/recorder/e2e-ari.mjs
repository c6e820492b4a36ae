// The reference server against the real Asterisk, driven through its API with sipp as the far ends.
import { spawn, spawnSync } from 'node:child_process';

const KEY = process.env.KEY;
const API = process.env.API ?? 'http://127.0.0.1:8090';
// CLIs of the Asterisk under test and of the one standing in for 3CX, e.g. `/opt/asterisk/sbin/asterisk -C /opt/asterisk/etc/asterisk.conf`.
const ASTERISK = (process.env.ASTERISK_CLI ?? 'asterisk').split(' ');
const REGISTRAR = (process.env.REGISTRAR_CLI ?? 'asterisk').split(' ');
const SIPP = new URL('./sipp', import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ast = (cmd) => spawnSync(ASTERISK[0], [...ASTERISK.slice(1), '-rx', cmd]).stdout.toString();
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
// A far end that did not do its part (could not bind, saw an unexpected message) says so:
// otherwise a flow can pass or fail for the wrong reason.
function sipp(args) {
  const c = spawn('sipp', [...args, '-nostdin'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  c.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((r) =>
    c.on('exit', (code) => {
      if (code !== 0)
        console.log(
          `  sipp ${args[1]} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
        );
      r(code);
    }),
  );
}
const caller = (sc, service, d = 3000) =>
  sipp([
    '-sf',
    `${SIPP}/${sc}.xml`,
    '-i',
    '127.0.0.2',
    '-p',
    '5061',
    '-mi',
    '127.0.0.2',
    '-mp',
    '16000',
    '-s',
    service,
    '-m',
    '1',
    '-d',
    String(d),
    '-timeout',
    '60',
    '127.0.0.1:5060',
  ]);
const callee = (sc) =>
  sipp([
    ...(sc === 'uas' ? ['-sn', 'uas'] : ['-sf', `${SIPP}/${sc}.xml`]),
    '-i',
    '127.0.0.4',
    '-p',
    '5060',
    '-m',
    '1',
    '-timeout',
    '40',
  ]);
const results = [];
const check = (name, ok, detail) => {
  results.push({ name, ok, detail });
  console.log(ok ? 'PASS' : 'FAIL', name, detail ?? '');
};
const channelsLeft = () =>
  Number(/(\d+) active channel/.exec(ast('core show channels count'))?.[1] ?? -1);
const bridgesLeft = () =>
  ast('bridge show all')
    .split('\n')
    .filter((l) => l.includes('patchbay-bridge')).length;
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
// This run's newest call: a server kept from an earlier run still has that run's calls and configuration.
async function latestCall() {
  const { calls } = (await api('GET', '/api/v1/calls')).body;
  return calls.find((c) => c.configurationId === cfg.body.id);
}

let done;
let call, s, placed;
const agents = (await api('GET', '/api/v1/agents')).body;
const echo = (agents.agents ?? agents)[0];
const cfg = await api('POST', '/api/v1/configurations', {
  name: `Real Asterisk ${Date.now()}`,
  config: {
    provider: 'ari',
    ari_endpoint: 'http://127.0.0.1:8088',
    app_name: 'patchbay',
    app_password: 'secret',
    ws_client_name: 'patchbay-server',
    dial_template: 'PJSIP/{to}@callee',
  },
});
console.log('configuration', cfg.status, cfg.body.config?.stasis_app_name);
const app = cfg.body.config.stasis_app_name;
ast(`dialplan set global PATCHBAY_APP ${app}`);
await api('POST', '/api/v1/phone-numbers', {
  address: '7001',
  configurationId: cfg.body.id,
  agentId: echo.id,
});
await sleep(1500);
console.log(
  'connection',
  JSON.stringify((await api('GET', `/api/v1/configurations/${cfg.body.id}`)).body.connection),
);

if (!process.env.ONLY) {
  // 1. inbound, the caller hangs up
  await caller('uac-hangup', '7001', 3000);
  call = await latestCall();
  s = await waitStatus(call.id, ['completed', 'failed']);
  await sleep(500);
  check(
    'inbound hung up by the caller ends completed, nothing left',
    s.status === 'completed' && channelsLeft() === 0 && bridgesLeft() === 0,
    `${s.status} channels=${channelsLeft()} bridges=${bridgesLeft()}`,
  );

  // 2. inbound, hung up through the API
  done = caller('uac-wait', '7001');
  await sleep(2000);
  call = await latestCall();
  const hang = await api('POST', `/api/v1/calls/${call.id}/hangup`);
  s = await waitStatus(call.id, ['completed', 'failed']);
  await done;
  await sleep(500);
  check(
    'inbound hung up through the API',
    hang.status < 300 && s.status === 'completed' && channelsLeft() === 0 && bridgesLeft() === 0,
    `${hang.status} ${s.status} channels=${channelsLeft()} bridges=${bridgesLeft()}`,
  );

  // 3. outbound answered, then hung up through the API
  done = callee('uas');
  await sleep(300);
  placed = await api('POST', '/api/v1/calls', {
    configurationId: cfg.body.id,
    agentId: echo.id,
    to: '6002',
  });
  s = await waitStatus(placed.body.id, ['in-progress']);
  await sleep(1500);
  await api('POST', `/api/v1/calls/${placed.body.id}/hangup`);
  s = await waitStatus(placed.body.id, ['completed', 'failed']);
  await done;
  await sleep(500);
  check(
    'outbound answered then hung up',
    s.status === 'completed' && channelsLeft() === 0 && bridgesLeft() === 0,
    `${s.status} ${placed.status} channels=${channelsLeft()}`,
  );
}
// 4. outbound busy, 5. no-answer (PJSIP)
done = callee('uas-busy');
await sleep(300);
placed = await api('POST', '/api/v1/calls', {
  configurationId: cfg.body.id,
  agentId: echo.id,
  to: '6002',
});
s = await waitStatus(placed.body.id, ['busy', 'failed', 'no-answer', 'completed']);
await done;
check('outbound busy over PJSIP', s.status === 'busy', s.status);
done = callee('uas-noanswer');
await sleep(300);
placed = await api('POST', '/api/v1/calls', {
  configurationId: cfg.body.id,
  agentId: echo.id,
  to: '6002',
  ringTimeoutSeconds: 5,
});
s = await waitStatus(placed.body.id, ['busy', 'failed', 'no-answer', 'completed', 'canceled']);
await done;
check('outbound no-answer over PJSIP', s.status === 'no-answer', `${placed.status} ${s.status}`);

// 6. over Local (as 3CX dials), busy and no-answer, mixed-case context
const local = await api('POST', '/api/v1/configurations', {
  name: `Real Asterisk via Local ${Date.now()}`,
  config: {
    provider: 'ari',
    ari_endpoint: 'http://127.0.0.1:8088',
    app_name: 'patchbay',
    app_password: 'secret',
    ws_client_name: 'patchbay-server',
    dial_template: 'Local/{to}@Callee-Mixed/n',
  },
});
await sleep(1500);
done = callee('uas-busy');
await sleep(300);
placed = await api('POST', '/api/v1/calls', {
  configurationId: local.body.id,
  agentId: echo.id,
  to: '6002',
});
s = await waitStatus(placed.body.id, ['busy', 'failed', 'no-answer', 'completed']);
await done;
check('outbound busy over Local', s.status === 'busy', `${placed.status} ${s.status}`);
done = callee('uas-noanswer');
await sleep(300);
placed = await api('POST', '/api/v1/calls', {
  configurationId: local.body.id,
  agentId: echo.id,
  to: '6002',
  ringTimeoutSeconds: 5,
});
s = await waitStatus(placed.body.id, ['busy', 'failed', 'no-answer', 'completed', 'canceled']);
await done;
check('outbound no-answer over Local', s.status === 'no-answer', `${placed.status} ${s.status}`);
if (process.env.ONLY) process.exit(0);
done = callee('uas');
await sleep(300);
placed = await api('POST', '/api/v1/calls', {
  configurationId: local.body.id,
  agentId: echo.id,
  to: 'Local/6002@Callee-Mixed/n',
});
s = await waitStatus(placed.body.id, ['in-progress', 'failed']);
await sleep(1000);
await api('POST', `/api/v1/calls/${placed.body.id}/hangup`);
s = await waitStatus(placed.body.id, ['completed', 'failed']);
await done;
await sleep(500);
check(
  'outbound to a mixed-case Local channel string, answered and hung up',
  s.status === 'completed' && channelsLeft() === 0,
  `${s.status} channels=${channelsLeft()}`,
);

// 7. transfer answered; the caller then hangs up
done = callee('uas');
const callerDone = caller('uac-hangup', '7001', 7000);
await sleep(2500);
call = await latestCall();
const xfer = await api('POST', `/api/v1/calls/${call.id}/transfer`, { destination: '6002' });
await sleep(2000);
let detail = (await api('GET', `/api/v1/calls/${call.id}`)).body;
const connected = detail.transfers?.[0]?.status;
await callerDone;
await sleep(1000);
await done;
detail = (await api('GET', `/api/v1/calls/${call.id}`)).body;
check(
  'transfer connects, then the caller hangs up and everything ends',
  xfer.status === 202 &&
    connected === 'connected' &&
    detail.status === 'completed' &&
    channelsLeft() === 0 &&
    bridgesLeft() === 0,
  `${xfer.status} ${connected} -> ${detail.transfers?.[0]?.status} ${detail.status} channels=${channelsLeft()} bridges=${bridgesLeft()}`,
);

// 8. transfer refused (busy)
done = callee('uas-busy');
const waiting = caller('uac-wait', '7001');
await sleep(2000);
call = await latestCall();
await api('POST', `/api/v1/calls/${call.id}/transfer`, { destination: '6002' });
await sleep(1500);
detail = (await api('GET', `/api/v1/calls/${call.id}`)).body;
check(
  'refused transfer keeps the caller with the agent',
  detail.transfers?.[0]?.status === 'busy' && detail.status === 'in-progress',
  `${detail.transfers?.[0]?.status} ${detail.status}`,
);
await api('POST', `/api/v1/calls/${call.id}/hangup`);
await waiting;
await done;
await sleep(500);
check(
  'and ends cleanly',
  channelsLeft() === 0 && bridgesLeft() === 0,
  `channels=${channelsLeft()} bridges=${bridgesLeft()}`,
);

// 9. another client takes the application over
const { WebSocket } = await import('ws');
const intruder = new WebSocket(`ws://127.0.0.1:8088/ari/events?app=${app}`, {
  headers: { authorization: 'Basic ' + Buffer.from('patchbay:secret').toString('base64') },
});
await new Promise((r) => intruder.once('open', r));
await sleep(500);
const stateDuring = (await api('GET', `/api/v1/configurations/${cfg.body.id}`)).body.connection;
intruder.close();
await sleep(2500);
const stateAfter = (await api('GET', `/api/v1/configurations/${cfg.body.id}`)).body.connection;
await caller('uac-hangup', '7001', 1000);
call = await latestCall();
s = await waitStatus(call.id, ['completed', 'failed']);
check(
  'app taken over is reported, taken back, and calls work again',
  stateDuring?.state === 'disconnected' &&
    stateAfter?.state === 'connected' &&
    s.status === 'completed',
  `${JSON.stringify(stateDuring)} -> ${stateAfter?.state}; call ${s.status}`,
);

// 9b. taken over mid-call: the other client leaves while the call goes on (Asterisk keeps
// the application inactive until the call ends); the server takes it back and still ends it.
const midCall = caller('uac-wait', '7001');
await sleep(2000);
call = await latestCall();
const second = new WebSocket(`ws://127.0.0.1:8088/ari/events?app=${app}`, {
  headers: { authorization: 'Basic ' + Buffer.from('patchbay:secret').toString('base64') },
});
await new Promise((r) => second.once('open', r));
await sleep(500);
second.close();
await sleep(2500);
const stateMidCall = (await api('GET', `/api/v1/configurations/${cfg.body.id}`)).body.connection;
await api('POST', `/api/v1/calls/${call.id}/hangup`);
s = await waitStatus(call.id, ['completed', 'failed']);
await midCall;
await sleep(500);
check(
  'app taken over mid-call is taken back while the call lasts, and the call ends',
  stateMidCall?.state === 'connected' && s.status === 'completed' && channelsLeft() === 0,
  `${stateMidCall?.state}; call ${s.status} channels=${channelsLeft()}`,
);

// 10. Asterisk restarts during a call
const restartCall = caller('uac-wait', '7001');
await sleep(2000);
call = await latestCall();
ast('core restart now');
await restartCall;
s = await waitStatus(call.id, ['completed', 'failed'], 20000);
let conn;
for (let i = 0; i < 40; i++) {
  await sleep(500);
  conn = (await api('GET', `/api/v1/configurations/${cfg.body.id}`)).body.connection;
  if (conn?.state === 'connected') break;
}
check(
  'restart ends the live call and the connection comes back',
  s.status === 'completed' && conn?.state === 'connected',
  `${s.status} ${JSON.stringify(conn)}`,
);
console.log(
  JSON.stringify({
    passed: results.filter((r) => r.ok).length,
    failed: results.filter((r) => !r.ok).length,
  }),
);
process.exit(0);
