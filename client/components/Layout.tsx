import type { ReactNode } from 'react';
import type { ApiError, CurrentUser } from '../api/types';
import ErrorAlert from './ErrorAlert';
import Header from './Header';

interface Props {
  currentUser: CurrentUser | null | undefined;
  sessionErrors?: ApiError[] | null;
  children: ReactNode;
}

export default function Layout({ currentUser, sessionErrors, children }: Props) {
  return (
    <>
      <Header currentUser={currentUser} />
      <main className="container main">
        <ErrorAlert errors={sessionErrors} title="Could not check whether you are signed in" />
        {children}
      </main>
    </>
  );
}
