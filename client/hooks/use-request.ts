import type { AxiosInstance, AxiosResponse } from 'axios';
import { useCallback, useRef, useState } from 'react';
import { buildClient } from '../api/build-client';
import { toFailure } from '../api/errors';
import type { ApiError } from '../api/types';

export type RequestResult<T> = { ok: true; data: T } | { ok: false; status: number; errors: ApiError[] };

/**
 * One button's API call from the browser: `pending` disables the button,
 * a second call while one is in flight is ignored (no double submit), and
 * every failure lands in `errors` for the page to show.
 *
 * `onSuccess` (e.g. navigating away) is awaited before `pending` clears, so
 * the button stays disabled until the next page is there.
 */
export function useRequest() {
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const inFlight = useRef(false);

  const run = useCallback(
    async <T,>(
      send: (client: AxiosInstance) => Promise<AxiosResponse<T>>,
      onSuccess?: (data: T) => unknown,
    ): Promise<RequestResult<T> | null> => {
      if (inFlight.current) return null;
      inFlight.current = true;
      setPending(true);
      setErrors([]);
      try {
        let res: AxiosResponse<T>;
        try {
          res = await send(buildClient());
        } catch (err) {
          const failure = toFailure(err);
          setErrors(failure.errors);
          return { ok: false, ...failure };
        }
        if (onSuccess) await onSuccess(res.data);
        return { ok: true, data: res.data };
      } finally {
        inFlight.current = false;
        setPending(false);
      }
    },
    [],
  );

  return { run, pending, errors, setErrors };
}
