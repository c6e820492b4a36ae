// Records what a real Asterisk does in each flow Patchbay relies on; see README.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Recording, sleep } from './record-lib.mjs';

const OUT = process.env.OUT ?? new URL('./recordings', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });
const APP = 'patchbay_rec';
const sippDir = new URL('./sipp', import.meta.url).pathname;
// The Asterisk CLI, e.g. `/opt/asterisk/sbin/asterisk -C /opt/asterisk/etc/asterisk.conf`.
const ASTERISK_CLI = (process.env.ASTERISK_CLI ?? 'asterisk').split(' ');

function caller(rec, scenario, { pauseMs = 3000, service = '6001' } = {}) {
  return rec.sipp(
    [
      '-sf',
      `${sippDir}/${scenario}.xml`,
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
      String(pauseMs),
      '-timeout',
      '60',
      '127.0.0.1:5060',
    ],
    `caller:${scenario}`,
  );
}
function callee(rec, scenario) {
  const args = scenario === 'uas' ? ['-sn', 'uas'] : ['-sf', `${sippDir}/${scenario}.xml`];
  return rec.sipp(
    [
      ...args,
      '-i',
      '127.0.0.4',
      '-p',
      '5060',
      '-mi',
      '127.0.0.4',
      '-mp',
      '17000',
      '-m',
      '1',
      '-timeout',
      '60',
    ],
    `callee:${scenario}`,
  );
}

/** What Patchbay does with a channel that should stream: externalMedia, then bridge once it enters Stasis. */
async function stream(rec, id, { client = 'patchbay', transport = 'v(call=c1,token=t1)' } = {}) {
  const ext = `patchbay-ext-${id}`;
  const r = await rec.ari('POST', '/channels/externalMedia', {
    app: APP,
    external_host: client,
    format: 'ulaw',
    transport: 'websocket',
    encapsulation: 'none',
    connection_type: 'client',
    direction: 'both',
    transport_data: transport,
    channelId: ext,
  });
  if (r.status !== 200) return { ext, failed: true };
  await rec.event('StasisStart', (e) => e.channel.id === ext);
  const bridge = `patchbay-bridge-${id}`;
  await rec.ari('POST', '/bridges', { type: 'mixing', bridgeId: bridge, name: bridge });
  await rec.ari('POST', `/bridges/${bridge}/addChannel`, { channel: `${id},${ext}` });
  return { ext, bridge };
}

async function inbound(
  rec,
  { subscribe = true, scenario = 'uac-hangup', pauseMs = 3000, client } = {},
) {
  const sip = caller(rec, scenario, { pauseMs });
  const start = await rec.event('StasisStart', (e) => !e.channel.id.startsWith('patchbay-'));
  const id = start.event.channel.id;
  if (subscribe)
    await rec.ari('POST', `/applications/${APP}/subscription`, { eventSource: `channel:${id}` });
  await rec.ari('POST', `/channels/${id}/answer`);
  const media = await stream(rec, id, client ? { client } : {});
  return { id, sip, ...media };
}

async function teardown(rec, id, media) {
  // What a host does after the caller is gone: media down, bridge destroyed.
  await rec.ari('DELETE', `/channels/${media.ext}`, { reason: 'normal' });
  await rec.ari('DELETE', `/bridges/${media.bridge}`);
}

const flows = {
  async 'inbound-caller-hangs-up-unsubscribed'(rec) {
    const call = await inbound(rec, { subscribe: false, pauseMs: 3000 });
    await rec.event('StasisEnd', (e) => e.channel.id === call.id, 20000);
    await sleep(1500);
    await teardown(rec, call.id, call);
    await sleep(1000);
  },
  async 'inbound-caller-hangs-up'(rec) {
    const call = await inbound(rec, { pauseMs: 4000 });
    const session = rec.sessions.at(-1);
    await sleep(300);
    rec.mediaSend(session, 'MARK_MEDIA m1');
    await sleep(300);
    rec.mediaSend(session, 'FLUSH_MEDIA');
    rec.mediaSend(session, 'MARK_MEDIA m2');
    await rec.event('ChannelDestroyed', (e) => e.channel.id === call.id, 20000);
    await sleep(500);
    await teardown(rec, call.id, call);
    await sleep(1000);
  },
  async 'inbound-api-hangs-up'(rec) {
    const call = await inbound(rec, { scenario: 'uac-wait' });
    await sleep(1500);
    await rec.ari('DELETE', `/channels/${call.id}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === call.id, 10000);
    await sleep(500);
    await teardown(rec, call.id, call);
    await sleep(1000);
  },
  async 'inbound-agent-hangs-up'(rec) {
    const call = await inbound(rec, { scenario: 'uac-wait' });
    const session = rec.sessions.at(-1);
    await sleep(1500);
    rec.mediaSend(session, 'HANGUP');
    await rec.event('ChannelDestroyed', (e) => e.channel.id === call.ext, 10000);
    await sleep(500);
    // The host then ends the caller (nothing else is in the bridge).
    await rec.ari('DELETE', `/channels/${call.id}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === call.id, 10000);
    await rec.ari('DELETE', `/bridges/${call.bridge}`);
    await sleep(1000);
  },
  async 'inbound-media-unreachable'(rec) {
    const sip = caller(rec, 'uac-wait');
    const start = await rec.event('StasisStart', (e) => !e.channel.id.startsWith('patchbay-'));
    const id = start.event.channel.id;
    await rec.ari('POST', `/applications/${APP}/subscription`, { eventSource: `channel:${id}` });
    await rec.ari('POST', `/channels/${id}/answer`);
    const ext = `patchbay-ext-${id}`;
    await rec.ari('POST', '/channels/externalMedia', {
      app: APP,
      external_host: 'unreachable',
      format: 'ulaw',
      transport: 'websocket',
      encapsulation: 'none',
      connection_type: 'client',
      direction: 'both',
      transport_data: 'v(call=c1)',
      channelId: ext,
    });
    await rec
      .event('ChannelDestroyed', (e) => e.channel.id === ext, 15000)
      .catch((e) => rec.note(String(e)));
    await sleep(1000);
    await rec.ari('DELETE', `/channels/${id}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === id, 10000);
    await sip.done;
  },
  async 'outbound-pjsip-answered'(rec) {
    const sip = callee(rec, 'uas');
    await sleep(300);
    const id = 'out-pjsip-1';
    await rec.ari('POST', '/channels', {
      endpoint: 'PJSIP/6002@callee',
      app: APP,
      appArgs: 'patchbay-out,aHR0cA',
      channelId: id,
      callerId: '+15551230001',
      timeout: '10',
    });
    await rec.event('StasisStart', (e) => e.channel.id === id);
    const media = await stream(rec, id);
    await sleep(1500);
    await rec.ari('DELETE', `/channels/${id}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === id);
    await sleep(500);
    await teardown(rec, id, media);
    await sleep(500);
  },
  async 'outbound-pjsip-busy'(rec) {
    callee(rec, 'uas-busy');
    await sleep(300);
    await rec.ari('POST', '/channels', {
      endpoint: 'PJSIP/6002@callee',
      app: APP,
      appArgs: 'patchbay-out,aHR0cA',
      channelId: 'out-pjsip-2',
      timeout: '10',
    });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === 'out-pjsip-2');
    await sleep(1000);
  },
  async 'outbound-pjsip-no-answer'(rec) {
    const sip = callee(rec, 'uas-noanswer');
    await sleep(300);
    await rec.ari('POST', '/channels', {
      endpoint: 'PJSIP/6002@callee',
      app: APP,
      appArgs: 'patchbay-out,aHR0cA',
      channelId: 'out-pjsip-3',
      timeout: '3',
    });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === 'out-pjsip-3', 15000);
    await sleep(1000);
  },
  async 'outbound-local-answered'(rec) {
    callee(rec, 'uas');
    await sleep(300);
    const id = 'out-local-1';
    await rec.ari('POST', '/channels', {
      endpoint: 'Local/6002@Callee-Mixed/n',
      app: APP,
      appArgs: 'patchbay-out,aHR0cA',
      channelId: id,
      timeout: '10',
    });
    await rec.event('StasisStart', (e) => e.channel.id === id);
    const media = await stream(rec, id);
    await sleep(1500);
    await rec.ari('DELETE', `/channels/${id}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === id);
    await sleep(500);
    await teardown(rec, id, media);
    await sleep(500);
  },
  async 'outbound-local-busy'(rec) {
    callee(rec, 'uas-busy');
    await sleep(300);
    await rec.ari('POST', '/channels', {
      endpoint: 'Local/6002@Callee-Mixed/n',
      app: APP,
      appArgs: 'patchbay-out,aHR0cA',
      channelId: 'out-local-2',
      timeout: '10',
    });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === 'out-local-2');
    await sleep(1500);
  },
  async 'outbound-local-no-answer'(rec) {
    callee(rec, 'uas-noanswer');
    await sleep(300);
    await rec.ari('POST', '/channels', {
      endpoint: 'Local/6002@Callee-Mixed/n',
      app: APP,
      appArgs: 'patchbay-out,aHR0cA',
      channelId: 'out-local-3',
      timeout: '3',
    });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === 'out-local-3', 15000);
    await sleep(1500);
  },
  async 'transfer-answered-caller-hangs-up'(rec) {
    callee(rec, 'uas');
    const call = await inbound(rec, { pauseMs: 6000 });
    await sleep(800);
    const leg = 'patchbay-xfer-t1';
    await rec.ari('POST', '/channels', {
      endpoint: 'PJSIP/6002@callee',
      app: APP,
      appArgs: 'patchbay-transfer,t1',
      channelId: leg,
      timeout: '10',
    });
    await rec.event('StasisStart', (e) => e.channel.id === leg);
    await rec.ari('POST', `/applications/${APP}/subscription`, { eventSource: `channel:${leg}` });
    await rec.ari('POST', `/bridges/${call.bridge}/addChannel`, { channel: leg });
    await rec.ari('POST', `/bridges/${call.bridge}/removeChannel`, { channel: call.ext });
    await sleep(300);
    await rec.ari('DELETE', `/channels/${call.ext}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === call.id, 20000);
    await sleep(300);
    await rec.ari('DELETE', `/channels/${leg}`, { reason: 'normal' });
    await rec.ari('DELETE', `/bridges/${call.bridge}`);
    await sleep(1000);
  },
  async 'transfer-destination-hangs-up'(rec) {
    const sip = callee(rec, 'uas-answer-hangup');
    const call = await inbound(rec, { scenario: 'uac-wait' });
    await sleep(800);
    const leg = 'patchbay-xfer-t2';
    await rec.ari('POST', '/channels', {
      endpoint: 'PJSIP/6002@callee',
      app: APP,
      appArgs: 'patchbay-transfer,t2',
      channelId: leg,
      timeout: '10',
    });
    await rec.event('StasisStart', (e) => e.channel.id === leg);
    await rec.ari('POST', `/applications/${APP}/subscription`, { eventSource: `channel:${leg}` });
    await rec.ari('POST', `/bridges/${call.bridge}/addChannel`, { channel: leg });
    await rec.ari('POST', `/bridges/${call.bridge}/removeChannel`, { channel: call.ext });
    await rec.ari('DELETE', `/channels/${call.ext}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === leg, 20000);
    await sleep(500);
    await rec.ari('DELETE', `/channels/${call.id}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === call.id, 20000);
    await rec.ari('DELETE', `/bridges/${call.bridge}`);
    await sleep(1000);
  },
  async 'transfer-refused'(rec) {
    callee(rec, 'uas-busy');
    const call = await inbound(rec, { scenario: 'uac-wait' });
    await sleep(800);
    const leg = 'patchbay-xfer-t3';
    await rec.ari('POST', '/channels', {
      endpoint: 'PJSIP/6002@callee',
      app: APP,
      appArgs: 'patchbay-transfer,t3',
      channelId: leg,
      timeout: '10',
    });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === leg, 20000);
    await sleep(500);
    await rec.ari('DELETE', `/channels/${call.id}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === call.id, 20000);
    await rec.ari('DELETE', `/bridges/${call.bridge}`);
    await sleep(1000);
  },
  async 'inbound-media-closed-by-host'(rec) {
    const call = await inbound(rec, { scenario: 'uac-wait' });
    await sleep(1000);
    const session = rec.sessions.at(-1);
    rec.note('host closes the media socket');
    session.socket.close(1000);
    await rec
      .event('ChannelDestroyed', (e) => e.channel.id === call.ext, 10000)
      .catch((e) => rec.note(String(e)));
    await sleep(1000);
    await rec.ari('DELETE', `/channels/${call.id}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === call.id, 10000);
    await rec.ari('DELETE', `/bridges/${call.bridge}`);
    await sleep(500);
  },
  async 'outbound-pjsip-canceled'(rec) {
    callee(rec, 'uas-noanswer');
    await sleep(300);
    await rec.ari('POST', '/channels', {
      endpoint: 'PJSIP/6002@callee',
      app: APP,
      appArgs: 'patchbay-out,aHR0cA',
      channelId: 'out-pjsip-4',
      timeout: '30',
    });
    await sleep(1000);
    await rec.ari('DELETE', `/channels/out-pjsip-4`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === 'out-pjsip-4', 10000);
    await sleep(1000);
  },
  async 'outbound-local-canceled'(rec) {
    callee(rec, 'uas-noanswer');
    await sleep(300);
    await rec.ari('POST', '/channels', {
      endpoint: 'Local/6002@Callee-Mixed/n',
      app: APP,
      appArgs: 'patchbay-out,aHR0cA',
      channelId: 'out-local-4',
      timeout: '30',
    });
    await sleep(1000);
    await rec.ari('DELETE', `/channels/out-local-4`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === 'out-local-4', 10000);
    await sleep(1000);
  },
  async 'app-replaced'(rec) {
    await sleep(300);
    const second = await rec.connectEvents('events2');
    await sleep(500);
    second.close();
    await rec.wait((e) => e.kind === 'events-close' && e.socket === 'events2');
    await sleep(500);
    const sip = caller(rec, 'uac-hangup', { pauseMs: 500 });
    await rec.event('StasisStart', () => true, 4000).catch((e) => rec.note(String(e)));
    await Promise.race([sip.done, sleep(5000)]);
    // Registering again takes the application back.
    await rec.connectEvents('events3');
    await sleep(300);
    const again = caller(rec, 'uac-hangup', { pauseMs: 500 });
    await rec.event('StasisStart', () => true, 5000).catch((e) => rec.note(String(e)));
    await Promise.race([again.done, sleep(5000)]);
    await sleep(500);
  },
  // What GET /applications says while another client holds the application,
  // and after it left with one of our calls still in it: whether the name is
  // free cannot be read off a 404, since Asterisk keeps an application that
  // still has channels (inactive, nobody hears its events) until they leave.
  async 'app-replaced-mid-call'(rec) {
    const call = await inbound(rec, { scenario: 'uac-wait', pauseMs: 8000 });
    await rec.ari('GET', `/applications/${APP}`);
    const second = await rec.connectEvents('events2');
    await rec.wait((e) => e.kind === 'event' && e.event.type === 'ApplicationReplaced', 3000);
    await rec.ari('GET', `/applications/${APP}`);
    second.close();
    await rec.wait((e) => e.kind === 'events-close' && e.socket === 'events2');
    await sleep(300);
    await rec.ari('GET', `/applications/${APP}`);
    // A new call meanwhile: the application is inactive, so Stasis fails.
    const refused = caller(rec, 'uac-hangup', { pauseMs: 500 });
    await Promise.race([refused.done, sleep(3000)]);
    // Registering again takes it back, with the call still subscribed.
    await rec.connectEvents('events3');
    await sleep(300);
    await rec.ari('GET', `/applications/${APP}`);
    await rec.ari('DELETE', `/channels/${call.id}`, { reason: 'normal' });
    await rec.event('ChannelDestroyed', (e) => e.channel.id === call.id, 3000);
    await teardown(rec, call.id, call);
    await Promise.race([call.sip.done, sleep(3000)]);
    await sleep(300);
    await rec.ari('GET', `/applications/${APP}`);
  },
  async 'asterisk-restart'(rec) {
    const call = await inbound(rec, { scenario: 'uac-wait' });
    await sleep(800);
    rec.note('core restart now');
    spawnSync(ASTERISK_CLI[0], [...ASTERISK_CLI.slice(1), '-rx', 'core restart now']);
    await rec.wait((e) => e.kind === 'events-close', 10000);
    for (let i = 0; i < 60; i++) {
      await sleep(500);
      try {
        await rec.connectEvents('events2');
        break;
      } catch {
        /* not up yet */
      }
    }
    await rec.ari('GET', `/channels/${call.id}`);
    await rec.ari('GET', '/channels');
    await sleep(500);
  },
};

const names = process.argv.slice(2);
for (const name of names.length ? names : Object.keys(flows)) {
  const rec = new Recording(name, { app: APP });
  await rec.open();
  try {
    await flows[name](rec);
  } catch (error) {
    rec.note(`FAILED: ${error.message}`);
    console.error(name, 'FAILED', error.message);
  }
  await rec.close();
  rec.save(OUT);
  console.log(name, rec.log.length, 'entries');
  await sleep(800);
}
process.exit(0);
