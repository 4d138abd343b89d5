import Head from 'next/head';
import { useRouter } from 'next/router';
import { useCallback, useEffect, useRef } from 'react';
import ErrorAlert from '../../components/ErrorAlert';
import { useRequest } from '../../hooks/use-request';
import { withSession } from '../../lib/session';

// Rendered per request, not prerendered: a static page could not carry the
// request's CSP nonce, and its scripts (the sign-out itself) would be blocked.
export const getServerSideProps = withSession({});

// Signing out happens in the browser: the API's answer clears the session
// cookie there directly (a server-side call could not pass on a `Secure`
// cookie change it made over the cluster's plain http).
export default function SignOutPage() {
  const router = useRouter();
  const { run, pending, errors } = useRequest();
  const started = useRef(false);

  const signOut = useCallback(() => {
    void run(
      (client) => client.post('/api/users/signout', {}),
      () => router.replace('/'),
    );
  }, [run, router]);

  useEffect(() => {
    // Once, even under StrictMode's double effects in development.
    if (started.current) return;
    started.current = true;
    signOut();
  }, [signOut]);

  return (
    <>
      <Head>
        <title>Sign Out · Ticketing</title>
      </Head>
      <section className="card narrow">
        <h1>Sign Out</h1>
        {errors.length > 0 ? (
          <>
            <ErrorAlert errors={errors} title="Could not sign you out" />
            <button type="button" className="btn btn-primary" onClick={signOut} disabled={pending}>
              Try again
            </button>
          </>
        ) : (
          <p className="muted" role="status">
            Signing you out…
          </p>
        )}
      </section>
    </>
  );
}
