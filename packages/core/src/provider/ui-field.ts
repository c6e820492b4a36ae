/** Input kinds a configuration form renders. */
export type UiFieldType =
  | 'text'
  | 'password'
  | 'textarea'
  | 'string-array'
  | 'number'
  | 'boolean'
  | 'select'
  | 'readonly'
  | 'object-list';

/** One field of a provider's configuration form. */
export interface UiField {
  /** Dotted path into the configuration, e.g. `auth_token` or `external_pbx.password`. */
  readonly name: string;
  readonly label: string;
  readonly type: UiFieldType;
  readonly required: boolean;
  /**
   * A secret: masked on every read, restored when its mask is submitted back.
   * This flag is the only list of secrets there is.
   */
  readonly sensitive?: boolean;
  readonly description?: string;
  readonly placeholder?: string;
  /**
   * The fields of each item of an `object-list` (a list of objects, such as
   * trunks), named relative to the item. They cannot be `sensitive`: masking
   * works on fixed paths, and an item's place in its list is not one.
   */
  readonly itemFields?: readonly UiField[];
  /** Choices of a `select`. */
  readonly options?: readonly { readonly value: string; readonly label: string }[];
  /** Show only when another field has a given value. */
  readonly visibleWhen?: { readonly field: string; readonly equals: string | number | boolean };
  /** Groups fields under a heading. */
  readonly section?: string;
}
