/** Input kinds a configuration form renders. */
export type UiFieldType =
  | 'text'
  | 'password'
  | 'textarea'
  | 'string-array'
  | 'number'
  | 'boolean'
  | 'select'
  | 'readonly';

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
  /** Choices of a `select`. */
  readonly options?: readonly { readonly value: string; readonly label: string }[];
  /** Show only when another field has a given value. */
  readonly visibleWhen?: { readonly field: string; readonly equals: string | number | boolean };
  /** Groups fields under a heading. */
  readonly section?: string;
}
