import axios from 'axios';
import type { ApiError } from './types';

/** A failed API call, reduced to what a page needs to show and decide. */
export interface RequestFailure {
  /** HTTP status, or 0 when no response arrived (network, timeout). */
  status: number;
  errors: ApiError[];
}

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).message === 'string' &&
    ((value as ApiError).field === undefined || typeof (value as ApiError).field === 'string')
  );
}

/**
 * Turns anything a request can throw into `{status, errors}` in the shape of
 * the API's error body (docs/contract.md), so no failure is swallowed or shown as "[object Object]".
 */
export function toFailure(err: unknown): RequestFailure {
  if (axios.isAxiosError(err)) {
    const res = err.response;
    if (!res) {
      const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
      return {
        status: 0,
        errors: [
          {
            message: timedOut
              ? 'The server took too long to answer. Please try again.'
              : 'Could not reach the server. Check your connection and try again.',
          },
        ],
      };
    }
    const body = res.data as { errors?: unknown } | undefined;
    if (body && Array.isArray(body.errors) && body.errors.length > 0 && body.errors.every(isApiError)) {
      return {
        status: res.status,
        errors: body.errors.map((e) => (e.field ? { message: e.message, field: e.field } : { message: e.message })),
      };
    }
    return { status: res.status, errors: [{ message: `Request failed (HTTP ${res.status}). Please try again.` }] };
  }
  const message = err instanceof Error && err.message ? err.message : 'Something went wrong';
  return { status: 0, errors: [{ message }] };
}

/** Splits errors into those shown beside one of `fields` and the rest. */
export function splitErrors(errors: ApiError[], fields: readonly string[]) {
  const byField: Record<string, string[]> = {};
  const general: ApiError[] = [];
  for (const e of errors) {
    if (e.field && fields.includes(e.field)) (byField[e.field] ||= []).push(e.message);
    else general.push(e);
  }
  return { byField, general };
}
