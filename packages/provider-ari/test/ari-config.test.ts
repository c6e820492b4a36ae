import { createRegistry, silentLogger } from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import {
  type AriConfig,
  AriMediaSerializer,
  ari,
  dialString,
  parseAsteriskControl,
  transportData,
} from '../src/index.js';
import { ariConfig } from './fixtures.js';

const context = { logger: silentLogger, inboundWebhookUrl: 'https://h/inbound' };

describe('the Stasis application name', () => {
  it('is minted on create, unique, kept on update, and never taken from the client', async () => {
    const registry = createRegistry([ari()]);
    const { stasis_app_name: _none, ...fresh } = ariConfig('http://pbx.example.com:8088/');
    const first = (await registry.prepareSave(
      { ...fresh, stasis_app_name: 'chosen_by_client' },
      undefined,
      context,
    )) as AriConfig;
    const second = (await registry.prepareSave(fresh, undefined, context)) as AriConfig;
    expect(first.stasis_app_name).toMatch(/^patchbay_[0-9a-f]{12}$/);
    expect(second.stasis_app_name).not.toBe(first.stasis_app_name);
    expect(first.ari_endpoint).toBe('http://pbx.example.com:8088');
    const updated = (await registry.prepareSave(
      { ...registry.maskConfig(first), stasis_app_name: 'hijack' },
      first,
      context,
    )) as AriConfig;
    expect(updated.stasis_app_name).toBe(first.stasis_app_name);
    // Shown on reads: the dialplan needs it.
    expect(registry.maskConfig(first)['stasis_app_name']).toBe(first.stasis_app_name);
    // A configuration from before names existed keeps using the ARI user.
    const legacy = (await registry.prepareSave(
      fresh,
      { ...fresh } as AriConfig,
      context,
    )) as AriConfig;
    expect(legacy.stasis_app_name).toBeUndefined();
  });

  it('refuses an ARI user with a colon (ARI splits api_key there)', () => {
    expect(() =>
      createRegistry([ari()]).parseConfig({ ...ariConfig('http://pbx:8088'), app_name: 'a:b' }),
    ).toThrow(/ARI/);
  });
});

describe('dial strings and media parameters', () => {
  it('dials numbers through the template and channel strings as they are', () => {
    expect(dialString('PJSIP/{to}@trunk', '+15551230002')).toBe('PJSIP/+15551230002@trunk');
    expect(dialString('PJSIP/{to}@trunk', 'PJSIP/6001')).toBe('PJSIP/6001');
  });

  it('passes the media URL’s query, URL-safe, as v() transport data', () => {
    expect(transportData('wss://h/ari-media?call=c-1&token=a,b', { agent: 'echo bot' })).toBe(
      'v(call=c-1,token=a%2Cb,agent=echo%20bot)',
    );
  });
});

describe('chan_websocket control messages', () => {
  it('reads plain-text and JSON forms', () => {
    expect(
      parseAsteriskControl(
        'MEDIA_START connection_id:1 channel:WebSocket/x channel_id:ext-1 format:ulaw',
      ),
    ).toEqual({
      name: 'MEDIA_START',
      fields: { connection_id: '1', channel: 'WebSocket/x', channel_id: 'ext-1', format: 'ulaw' },
    });
    expect(parseAsteriskControl('{"event":"DTMF_END","digit":"5"}')).toEqual({
      name: 'DTMF_END',
      fields: { event: 'DTMF_END', digit: '5' },
    });
  });

  it('sends FLUSH_MEDIA, MARK_MEDIA and HANGUP; marks can be turned off for older Asterisk', () => {
    const serializer = new AriMediaSerializer();
    expect([
      serializer.encodeClear(),
      serializer.encodeMark('end of sentence'),
      serializer.encodeHangUp(),
    ]).toEqual(['FLUSH_MEDIA', 'MARK_MEDIA end_of_sentence', 'HANGUP']);
    expect(new AriMediaSerializer(false).encodeMark('m')).toBeUndefined();
    expect(serializer.encodeAudio(new Int16Array(160))).toEqual(new Uint8Array(160).fill(0xff));
  });
});

describe('credentials', () => {
  it('are not checked at save, and the setup checklist says where they are', async () => {
    const spec = ari();
    const config = ariConfig('http://pbx.example.com:8088/');
    // pbx.example.com is never asked: the event connection proves the ARI user instead.
    expect(await spec.create(config, { logger: silentLogger }).verifyCredentials()).toEqual({
      verified: false,
      reason: expect.stringContaining('event connection'),
    });
    const checklist = createRegistry([spec]).setupChecklist(config, {
      activePhoneNumberCount: 0,
      inboundRoutedPhoneNumberCount: 0,
    });
    expect(checklist?.readyForOutbound).toBe(true);
    expect(checklist?.steps.map((step) => step.key)).toEqual(['ari-credentials']);
    expect(checklist?.steps[0]?.description).toMatch(/does not check .* when you save/);
  });
});
