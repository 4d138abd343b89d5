import Head from 'next/head';
import AuthForm from '../../components/AuthForm';
import { withSession } from '../../lib/session';

export const getServerSideProps = withSession({});

export default function SignInPage() {
  return (
    <>
      <Head>
        <title>Sign In · Ticketing</title>
      </Head>
      <AuthForm mode="signin" />
    </>
  );
}
