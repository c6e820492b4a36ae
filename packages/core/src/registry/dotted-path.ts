// Configuration fields are addressed by dotted paths (`external_pbx.password`),
// as UI metadata names them.

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined when any step is missing. */
export function getPath(target: unknown, path: string): unknown {
  let current: unknown = target;
  for (const key of path.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Sets the value at `path`, creating intermediate objects as needed. */
export function setPath(target: PlainObject, path: string, value: unknown): void {
  const keys = path.split('.');
  let current = target;
  for (const key of keys.slice(0, -1)) {
    const next = current[key];
    if (!isPlainObject(next)) current[key] = {};
    current = current[key] as PlainObject;
  }
  current[keys[keys.length - 1]!] = value;
}

/** Removes the value at `path`, if there is one. */
export function deletePath(target: PlainObject, path: string): void {
  const keys = path.split('.');
  const parent = getPath(target, keys.slice(0, -1).join('.'));
  const container = keys.length === 1 ? target : parent;
  if (isPlainObject(container)) delete container[keys[keys.length - 1]!];
}

/** A deep copy of JSON-like data. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
