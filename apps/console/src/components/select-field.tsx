import { useId } from 'react';
import { useAgents, useConfigurations } from '../queries.js';

/** A labelled select: the one shape every filter and picker here has. */
export function SelectField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The empty choice's text; none when a choice is required. */
  empty?: string;
  required?: boolean;
  options: readonly { value: string; label: string }[];
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        required={props.required}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      >
        <option value="">{props.empty ?? 'Choose…'}</option>
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

type PickerProps = Omit<Parameters<typeof SelectField>[0], 'options'>;

/** Picks one of the organization's carrier configurations. */
export function ConfigurationSelect(props: PickerProps) {
  const configurations = useConfigurations();
  return (
    <SelectField
      {...props}
      options={(configurations.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
    />
  );
}

/** Picks one of the organization's agents. */
export function AgentSelect(props: PickerProps) {
  const agents = useAgents();
  return (
    <SelectField
      {...props}
      options={(agents.data ?? []).map((agent) => ({ value: agent.id, label: agent.name }))}
    />
  );
}

/** A labelled checkbox, the label after the box. */
export function CheckboxField(props: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="field field-boolean">
      <div className="check">
        <input
          id={id}
          type="checkbox"
          checked={props.checked}
          onChange={(event) => props.onChange(event.target.checked)}
        />
        <label htmlFor={id}>{props.label}</label>
      </div>
    </div>
  );
}
