/**
 * Labelled form controls. Every control has a visible <label>; a hint and an error are tied to
 * it with aria-describedby, and an error sets aria-invalid, so screen readers announce both.
 */
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

interface FieldFrameProps {
  readonly id: string;
  readonly label: ReactNode;
  readonly hint?: ReactNode;
  readonly error?: string | null | undefined;
  readonly children: ReactNode;
  readonly className?: string;
}

function FieldFrame({ id, label, hint, error, children, className }: FieldFrameProps) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> & {
  readonly label: ReactNode;
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly hint?: ReactNode;
  readonly error?: string | null | undefined;
  readonly frameClassName?: string;
};

export function TextField({
  label,
  value,
  onValue,
  hint,
  error,
  id,
  frameClassName,
  ...input
}: TextFieldProps) {
  const autoId = useId();
  const fieldId = id ?? autoId;
  return (
    <FieldFrame id={fieldId} label={label} hint={hint} error={error} className={frameClassName}>
      <input
        {...input}
        id={fieldId}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(fieldId, hint, error)}
      />
    </FieldFrame>
  );
}

type SelectFieldProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value'> & {
  readonly label: ReactNode;
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly options: readonly (readonly [value: string, label: string])[];
  readonly hint?: ReactNode;
  readonly error?: string | null | undefined;
  readonly frameClassName?: string;
};

export function SelectField({
  label,
  value,
  onValue,
  options,
  hint,
  error,
  id,
  frameClassName,
  ...select
}: SelectFieldProps) {
  const autoId = useId();
  const fieldId = id ?? autoId;
  return (
    <FieldFrame id={fieldId} label={label} hint={hint} error={error} className={frameClassName}>
      <select
        {...select}
        id={fieldId}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(fieldId, hint, error)}
      >
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={optionValue}>
            {optionLabel}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

export function CheckboxField(props: {
  readonly label: ReactNode;
  readonly checked: boolean;
  readonly onChecked: (checked: boolean) => void;
  readonly hint?: ReactNode;
  readonly id?: string;
  readonly disabled?: boolean;
  readonly name?: string;
}) {
  const autoId = useId();
  const id = props.id ?? autoId;
  return (
    <div className="field field-checkbox">
      <input
        type="checkbox"
        id={id}
        name={props.name}
        checked={props.checked}
        disabled={props.disabled}
        onChange={(event) => props.onChecked(event.target.checked)}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      <label htmlFor={id}>{props.label}</label>
      {props.hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/** A secret input with a show/hide toggle; never autocompleted or spell-checked. */
export function SecretField(
  props: Omit<TextFieldProps, 'type'> & {
    readonly revealed: boolean;
    readonly onRevealed: (revealed: boolean) => void;
  },
) {
  const { revealed, onRevealed, ...field } = props;
  return (
    <div className="secret-field">
      <TextField
        {...field}
        type={revealed ? 'text' : 'password'}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
      />
      <button
        type="button"
        className="link-button"
        aria-pressed={revealed}
        onClick={() => onRevealed(!revealed)}
      >
        {revealed ? 'Hide' : 'Show'}
      </button>
    </div>
  );
}
