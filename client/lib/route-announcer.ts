/**
 * Next.js announces client-side page changes in a hidden
 * `<p id="__next-route-announcer__" role="alert">`. Ours are the only
 * alerts on a page: errors to read. So the announcer becomes a `status`
 * region; it keeps `aria-live="assertive"`, so page changes are still read
 * out, and `getByRole('alert')` finds nothing but a real error.
 */
export function demoteRouteAnnouncer(): () => void {
  const fix = () => {
    const el = document.getElementById('__next-route-announcer__');
    if (!el) return false;
    el.setAttribute('role', 'status');
    return true;
  };
  if (fix()) return () => {};
  const observer = new MutationObserver(() => {
    if (fix()) observer.disconnect();
  });
  observer.observe(document.body, { childList: true, subtree: true });
  return () => observer.disconnect();
}
