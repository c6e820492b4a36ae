const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is simply not found (and never reaches SQL as a cast error). */
export const isUuid = (value: string | undefined): value is string => UUID.test(value ?? '');
