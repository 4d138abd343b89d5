import type { AppProps } from 'next/app';
import Head from 'next/head';
import { useEffect } from 'react';
import Layout from '../components/Layout';
import { demoteRouteAnnouncer } from '../lib/route-announcer';
import type { SessionProps } from '../lib/session';
import '../styles/globals.css';

// Every page that knows the session gets `currentUser` from its
// getServerSideProps (lib/session.ts); the header reads it from there.
export default function App({ Component, pageProps }: AppProps<Partial<SessionProps>>) {
  useEffect(demoteRouteAnnouncer, []);
  return (
    <>
      <Head>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Ticketing</title>
      </Head>
      <Layout currentUser={pageProps.currentUser} sessionErrors={pageProps.sessionErrors}>
        <Component {...pageProps} />
      </Layout>
    </>
  );
}
