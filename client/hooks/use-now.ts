import { useEffect, useState } from 'react';

/** Above this, the browser's clock is taken to be wrong, not just late. */
const MAX_TRUSTED_SKEW_MS = 10_000;

/**
 * The current time, ticking every second after hydration. The first render
 * (on the server and in the browser) uses `serverNow`, so both print the
 * same text. A browser clock that is off by more than 10 s is corrected with
 * the server's; a smaller difference is mostly transfer time and is ignored.
 */
export function useNow(serverNow: number, intervalMs = 1000): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const skew = serverNow - Date.now();
    const offset = Math.abs(skew) > MAX_TRUSTED_SKEW_MS ? skew : 0;
    const tick = () => setNow(Date.now() + offset);
    tick();
    const timer = setInterval(tick, intervalMs);
    return () => clearInterval(timer);
  }, [serverNow, intervalMs]);
  return now;
}
