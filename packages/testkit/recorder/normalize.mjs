// Turns raw recordings into fixtures: stable role names for ids, no clocks, no noise.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const [, , inDir, outDir, asterisk] = process.argv;
const DROP_EVENTS = new Set(['ChannelVarset']);
const DROP_KEYS = new Set(['timestamp', 'asterisk_id', 'creationtime', 'language']);

for (const file of readdirSync(inDir)
  .filter((f) => f.endsWith('.raw.json'))
  .sort()) {
  const raw = JSON.parse(readFileSync(`${inDir}/${file}`, 'utf8'));
  const ids = new Map();
  const names = new Map();
  const walk = (v) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === 'object') {
      if (typeof v.id === 'string' && typeof v.name === 'string') names.set(v.id, v.name);
      Object.values(v).forEach(walk);
    }
  };
  walk(raw.log);
  const counts = {};
  // Asterisk-assigned ids look like 1796304615.6: name each after what its channel is.
  const text = JSON.stringify(raw.log);
  for (const m of text.matchAll(/"(1\d{9}\.\d+)"/g)) {
    const id = m[1];
    if (ids.has(id)) continue;
    const base = /^PJSIP\/(caller|callee)-/.exec(names.get(id) ?? '')?.[1] ?? 'channel';
    counts[base] = (counts[base] ?? 0) + 1;
    ids.set(id, `{${base}${counts[base] > 1 ? counts[base] : ''}}`);
  }
  const seq = new Map();
  const counter = (prefix, value) => {
    const key = `${prefix}:${value}`;
    if (!seq.has(key))
      seq.set(
        key,
        String([...seq.keys()].filter((k) => k.startsWith(`${prefix}:`)).length + 1).padStart(
          8,
          '0',
        ),
      );
    return seq.get(key);
  };
  const clean = (value) => {
    if (typeof value === 'string') {
      let s = value;
      for (const [id, name] of [...ids].sort((a, b) => b[0].length - a[0].length))
        s = s.split(id).join(name);
      s = s.replace(/0x[0-9a-f]{6,}/g, (p) => `0x${counter('ptr', p)}`);
      s = s.replace(/-(0000[0-9a-f]{4})(?=;|$)/g, (_m, n) => `-${counter('seq', n)}`);
      s = s.replace(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        '{sip-call-id}',
      );
      return s;
    }
    if (Array.isArray(value)) return value.map(clean);
    if (value && typeof value === 'object') {
      const out = {};
      for (const [k, v] of Object.entries(value)) if (!DROP_KEYS.has(k)) out[clean(k)] = clean(v);
      return out;
    }
    return value;
  };
  const steps = [];
  for (const entry of raw.log) {
    if (entry.kind === 'event' && DROP_EVENTS.has(entry.event.type)) continue;
    if (entry.kind === 'sipp-exit' || entry.kind === 'sipp-start') {
      steps.push({
        at: entry.at,
        kind: entry.kind,
        label: entry.label,
        ...(entry.code !== undefined ? { code: entry.code } : {}),
      });
      continue;
    }
    const { at, kind, ...rest } = entry;
    steps.push({ at, kind, ...clean(rest) });
  }
  const flow = raw.flow;
  const lines = steps.map((s) => `    ${JSON.stringify(s)}`).join(',\n');
  const doc = `{\n  "flow": ${JSON.stringify(flow)},\n  "asterisk": ${JSON.stringify(asterisk)},\n  "roles": ${JSON.stringify([...ids.values()])},\n  "steps": [\n${lines}\n  ]\n}\n`;
  writeFileSync(`${outDir}/${flow}.json`, doc);
  console.log(flow, steps.length);
}
