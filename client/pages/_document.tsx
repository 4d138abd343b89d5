import { Head, Html, Main, NextScript, type DocumentProps } from 'next/document';

// `nonce` comes from the request's Content-Security-Policy (proxy.ts): Next's
// scripts must carry it, or the policy blocks the page's inline bootstrap.
export default function Document({ nonce }: DocumentProps) {
  return (
    <Html lang="en">
      <Head nonce={nonce}>
        <meta name="description" content="Buy and sell tickets for concerts, sports and more." />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
      </Head>
      <body>
        <Main />
        <NextScript nonce={nonce} />
      </body>
    </Html>
  );
}
