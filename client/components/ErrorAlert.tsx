import type { ApiError } from '../api/types';

/** Errors that belong to no field on screen, announced to screen readers. */
export default function ErrorAlert({ errors, title }: { errors: ApiError[] | null | undefined; title?: string }) {
  if (!errors || errors.length === 0) return null;
  return (
    <div role="alert" className="alert alert-error">
      {title && <strong className="alert-title">{title}</strong>}
      {errors.length === 1 ? (
        <p>{errors[0].message}</p>
      ) : (
        <ul>
          {errors.map((e, i) => (
            <li key={i}>{e.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
