import type { UiField } from '../api/client.js';

export type Values = Record<string, unknown>;

/** A dotted path's value: `external_pbx.password`. */
export function getPath(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Values)[key];
  }
  return current;
}

/** A copy with a dotted path set (or removed, for undefined). */
export function setPath(values: Values, path: string, value: unknown): Values {
  const [key, ...rest] = path.split('.');
  const copy: Values = { ...values };
  if (rest.length === 0) {
    if (value === undefined) delete copy[key!];
    else copy[key!] = value;
    return copy;
  }
  const inner = copy[key!];
  copy[key!] = setPath(
    inner !== null && typeof inner === 'object' ? (inner as Values) : {},
    rest.join('.'),
    value,
  );
  return copy;
}

/** Whether a field shows, given the form's values (its `visibleWhen`). */
export function isVisible(field: Pick<UiField, 'visibleWhen'>, values: Values): boolean {
  if (!field.visibleWhen) return true;
  return getPath(values, field.visibleWhen.field) === field.visibleWhen.equals;
}

/**
 * What the form submits: hidden fields dropped, and each secret the user
 * left empty sent back as the mask it was read with, which the server
 * takes to mean "keep the stored one".
 */
export function submittedValues(
  fields: readonly UiField[],
  values: Values,
  masked: Values | undefined,
): Values {
  let out = values;
  for (const field of fields) {
    if (!isVisible(field, values)) {
      out = setPath(out, field.name, undefined);
      continue;
    }
    if (field.sensitive && masked) {
      const typed = getPath(values, field.name);
      const mask = getPath(masked, field.name);
      if ((typed === undefined || typed === '') && mask !== undefined)
        out = setPath(out, field.name, mask);
    }
  }
  return out;
}

/** The form's starting values for a stored configuration: secrets start empty. */
export function editableValues(fields: readonly UiField[], stored: Values): Values {
  let out = stored;
  for (const field of fields)
    if (field.sensitive && getPath(stored, field.name) !== undefined)
      out = setPath(out, field.name, '');
  return out;
}
