import type { SelectHTMLAttributes } from 'react';

interface Props extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'name'> {
  /** Also the API's `field` name, so its errors land here. */
  name: string;
  label: string;
  idPrefix?: string;
  options: readonly { value: string; label: string }[];
  errors?: string[];
}

/** A labelled select with its field errors right under it (FormField's twin). */
export default function SelectField({ name, label, idPrefix = 'f', options, errors, ...select }: Props) {
  const id = `${idPrefix}-${name}`;
  const hasErrors = !!errors && errors.length > 0;
  return (
    <div className={`field${hasErrors ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} aria-invalid={hasErrors || undefined} aria-describedby={hasErrors ? `${id}-error` : undefined} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hasErrors && (
        <p id={`${id}-error`} className="field-error" data-field={name}>
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}
