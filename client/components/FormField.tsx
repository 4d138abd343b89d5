import type { InputHTMLAttributes } from 'react';

interface Props extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name'> {
  /** Also the API's `field` name, so its errors land here. */
  name: string;
  label: string;
  /** The form's own prefix, so two forms on one page never share ids. */
  idPrefix?: string;
  errors?: string[];
  hint?: string;
}

/** A labelled input with its field errors right under it. */
export default function FormField({ name, label, idPrefix = 'f', errors, hint, ...input }: Props) {
  const id = `${idPrefix}-${name}`;
  const hasErrors = !!errors && errors.length > 0;
  const describedBy = [hint ? `${id}-hint` : '', hasErrors ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={`field${hasErrors ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        aria-invalid={hasErrors || undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {hasErrors && (
        <p id={`${id}-error`} className="field-error" data-field={name}>
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}
