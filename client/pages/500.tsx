import Head from 'next/head';
import Link from 'next/link';

export default function ServerErrorPage() {
  return (
    <>
      <Head>
        <title>Something went wrong · Ticketing</title>
      </Head>
      <section className="card narrow">
        <h1>Something went wrong</h1>
        <p role="alert">This page could not be shown. Please try again in a moment.</p>
        <p>
          <Link href="/">Back to the tickets</Link>
        </p>
      </section>
    </>
  );
}
