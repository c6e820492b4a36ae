import { useId } from 'react';
import type { UiField } from '../api/client.js';
import { issueFor } from '../components/errors.js';
import { getPath, isVisible, setPath, type Values } from './values.js';

type ItemField = NonNullable<UiField['itemFields']>[number];
type AnyField = UiField | ItemField;

interface FieldsProps {
  readonly fields: readonly UiField[];
  readonly values: Values;
  readonly onChange: (values: Values) => void;
  /** The stored configuration as the server showed it: secrets masked. */
  readonly masked?: Values | undefined;
  /** The failed save, whose issues name fields by path. */
  readonly error?: unknown;
  /** Prefix of the server's issue paths, e.g. `config.`. */
  readonly issuePrefix?: string;
}

/**
 * A carrier's configuration form, drawn only from its metadata: every field
 * type core defines, sections, `visibleWhen`, and secrets that stay as
 * stored unless a new value is typed. No carrier is named here.
 */
export function ProviderFields(props: FieldsProps) {
  const sections = new Map<string, UiField[]>();
  for (const field of props.fields) {
    const key = field.section ?? '';
    sections.set(key, [...(sections.get(key) ?? []), field]);
  }
  return (
    <>
      {[...sections].map(([section, fields]) => {
        const visible = fields.filter((field) => isVisible(field, props.values));
        if (visible.length === 0) return null;
        const inputs = visible.map((field) => <Field key={field.name} field={field} {...props} />);
        return section ? (
          <fieldset key={section}>
            <legend>{section}</legend>
            {inputs}
          </fieldset>
        ) : (
          <div key="" className="fields">
            {inputs}
          </div>
        );
      })}
    </>
  );
}

function Field(props: FieldsProps & { field: UiField }) {
  const { field, values, onChange } = props;
  const issue =
    issueFor(props.error, `${props.issuePrefix ?? ''}${field.name}`) ??
    issueFor(props.error, field.name);
  if (field.type === 'object-list') return <ObjectList {...props} issue={issue} />;
  return (
    <SingleField
      field={field}
      value={getPath(values, field.name)}
      onValue={(value) => onChange(setPath(values, field.name, value))}
      mask={field.sensitive && props.masked ? getPath(props.masked, field.name) : undefined}
      issue={issue}
    />
  );
}

function SingleField(props: {
  field: AnyField;
  value: unknown;
  onValue: (value: unknown) => void;
  mask?: unknown;
  issue?: string | undefined;
}) {
  const { field, value, onValue, issue } = props;
  const id = useId();
  const help = [
    field.description,
    props.mask !== undefined
      ? `Saved as ${String(props.mask)}; leave empty to keep it.`
      : undefined,
  ].filter(Boolean);
  const described = [help.length > 0 ? `${id}-help` : '', issue ? `${id}-issue` : '']
    .filter(Boolean)
    .join(' ');
  const common = {
    id,
    name: field.name,
    'aria-describedby': described || undefined,
    'aria-invalid': issue ? true : undefined,
    // A kept secret is not re-entered, so it is not required again.
    required: field.required && props.mask === undefined,
  };
  let input: React.ReactNode;
  switch (field.type) {
    case 'boolean':
      input = (
        <input
          {...common}
          required={false}
          type="checkbox"
          checked={value === true}
          onChange={(event) => onValue(event.target.checked)}
        />
      );
      break;
    case 'number':
      input = (
        <input
          {...common}
          type="number"
          inputMode="decimal"
          value={typeof value === 'number' ? value : ''}
          placeholder={field.placeholder}
          onChange={(event) =>
            onValue(event.target.value === '' ? undefined : Number(event.target.value))
          }
        />
      );
      break;
    case 'select':
      input = (
        <select
          {...common}
          value={typeof value === 'string' ? value : ''}
          onChange={(event) => onValue(event.target.value === '' ? undefined : event.target.value)}
        >
          <option value="">{field.required ? 'Choose…' : '(none)'}</option>
          {(field.options ?? []).map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      );
      break;
    case 'textarea':
      input = (
        <textarea
          {...common}
          rows={4}
          value={typeof value === 'string' ? value : ''}
          placeholder={field.placeholder}
          onChange={(event) => onValue(event.target.value)}
        />
      );
      break;
    case 'string-array':
      help.push('One per line.');
      input = (
        <textarea
          {...common}
          aria-describedby={`${id}-help${issue ? ` ${id}-issue` : ''}`}
          rows={3}
          value={Array.isArray(value) ? value.join('\n') : ''}
          placeholder={field.placeholder}
          onChange={(event) =>
            onValue(
              event.target.value
                .split('\n')
                .map((line) => line.trim())
                .filter((line, index, all) => line !== '' || index < all.length - 1),
            )
          }
          onBlur={() => Array.isArray(value) && onValue(value.filter((line) => line !== ''))}
        />
      );
      break;
    case 'readonly':
      // Set by the carrier or the server; shown, sent back unchanged, never edited.
      input = (
        <input
          id={id}
          readOnly
          aria-describedby={described || undefined}
          value={value === undefined || value === null || value === '' ? '—' : String(value)}
        />
      );
      break;
    default:
      input = (
        <input
          {...common}
          type={field.type === 'password' || field.sensitive ? 'password' : 'text'}
          autoComplete={field.sensitive ? 'new-password' : 'off'}
          value={typeof value === 'string' || typeof value === 'number' ? String(value) : ''}
          placeholder={field.placeholder}
          onChange={(event) => onValue(event.target.value)}
        />
      );
  }
  const notes = (
    <>
      {help.length > 0 ? (
        <p id={`${id}-help`} className="hint">
          {help.join(' ')}
        </p>
      ) : null}
      {issue ? (
        <p id={`${id}-issue`} className="issue">
          {issue}
        </p>
      ) : null}
    </>
  );
  // A checkbox reads best with its label after it, on one line.
  if (field.type === 'boolean')
    return (
      <div className="field field-boolean">
        <div className="check">
          {input}
          <label htmlFor={id}>{field.label}</label>
        </div>
        {notes}
      </div>
    );
  return (
    <div className={`field field-${field.type}`}>
      <label htmlFor={id}>
        {field.label}
        {field.required && field.type !== 'readonly' ? <span aria-hidden="true"> *</span> : null}
      </label>
      {input}
      {notes}
    </div>
  );
}

function ObjectList(props: FieldsProps & { field: UiField; issue?: string | undefined }) {
  const { field, values, onChange } = props;
  const items = (
    Array.isArray(getPath(values, field.name)) ? getPath(values, field.name) : []
  ) as Values[];
  const setItems = (next: Values[]) => onChange(setPath(values, field.name, next));
  const itemFields = field.itemFields ?? [];
  return (
    <fieldset className="object-list">
      <legend>{field.label}</legend>
      {field.description ? <p className="hint">{field.description}</p> : null}
      {items.map((item, index) => (
        // Items have no ids of their own; their place is what names them.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <fieldset key={index} className="item">
          <legend>
            {field.label} {index + 1}
          </legend>
          {itemFields
            .filter((itemField) => isVisible(itemField, item))
            .map((itemField) => (
              <SingleField
                key={itemField.name}
                field={itemField}
                value={getPath(item, itemField.name)}
                onValue={(value) =>
                  setItems(
                    items.map((other, at) =>
                      at === index ? setPath(other, itemField.name, value) : other,
                    ),
                  )
                }
                issue={
                  issueFor(
                    props.error,
                    `${props.issuePrefix ?? ''}${field.name}.${index}.${itemField.name}`,
                  ) ?? issueFor(props.error, `${field.name}.${index}.${itemField.name}`)
                }
              />
            ))}
          <button type="button" onClick={() => setItems(items.filter((_, at) => at !== index))}>
            Remove {field.label.toLowerCase()} {index + 1}
          </button>
        </fieldset>
      ))}
      <button type="button" onClick={() => setItems([...items, {}])}>
        Add {field.label.toLowerCase()}
      </button>
      {props.issue ? <p className="issue">{props.issue}</p> : null}
    </fieldset>
  );
}
