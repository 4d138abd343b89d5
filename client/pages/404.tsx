import Head from 'next/head';
import Link from 'next/link';

export default function NotFoundPage() {
  return (
    <>
      <Head>
        <title>Page not found · Ticketing</title>
      </Head>
      <section className="card narrow">
        <h1>Page not found</h1>
        <p>There is nothing at this address.</p>
        <p>
          <Link href="/">See the tickets for sale</Link>
        </p>
      </section>
    </>
  );
}
