import Head from 'next/head';
import AuthForm from '../../components/AuthForm';
import { withSession } from '../../lib/session';

export const getServerSideProps = withSession({});

export default function SignUpPage() {
  return (
    <>
      <Head>
        <title>Sign Up · Ticketing</title>
      </Head>
      <AuthForm mode="signup" />
    </>
  );
}
