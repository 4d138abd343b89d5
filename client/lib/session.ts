import type { AxiosInstance, AxiosResponse } from 'axios';
import type { GetServerSideProps, GetServerSidePropsContext } from 'next';
import { buildClient } from '../api/build-client';
import { toFailure, type RequestFailure } from '../api/errors';
import type { ApiError, CurrentUser } from '../api/types';
import { signinUrl } from './redirect';

/** What every server-rendered page gets, for the header. */
export interface SessionProps {
  currentUser: CurrentUser | null;
  /** Set when the session could not be read (auth service unreachable...). */
  sessionErrors: ApiError[] | null;
}

/** Props a page loader returns; `loadError` also sets the HTTP status. */
export type LoaderProps = { loadError?: RequestFailure | null } & Record<string, unknown>;

interface LoaderArgs {
  ctx: GetServerSidePropsContext;
  client: AxiosInstance;
}

interface Options {
  /** Signed-out visitors go to /auth/signin?redirect=<this page>. */
  requireAuth?: boolean;
}

/** An API call that resolves to its data or to the failure to show. */
export async function fetchData<T>(
  request: Promise<AxiosResponse<T>>,
): Promise<{ data: T | null; failure: RequestFailure | null }> {
  try {
    const res = await request;
    return { data: res.data, failure: null };
  } catch (err) {
    return { data: null, failure: toFailure(err) };
  }
}

/**
 * getServerSideProps for a page: reads the current user with the visitor's
 * cookie and, at the same time, the page's own data, so the first paint has
 * both. API failures become props the page shows, never a blank page.
 */
export function withSession<P extends LoaderProps>(
  options: Options,
  load?: (args: LoaderArgs) => Promise<P>,
): GetServerSideProps<SessionProps & P> {
  return async (ctx) => {
    const client = buildClient(ctx.req);
    const [session, pageProps] = await Promise.all([
      fetchData(client.get<{ currentUser: CurrentUser | null }>('/api/users/currentuser')),
      load ? load({ ctx, client }) : Promise.resolve({} as P),
    ]);
    const currentUser = session.data?.currentUser ?? null;

    if (options.requireAuth && !session.failure && !currentUser) {
      return { redirect: { destination: signinUrl(ctx.resolvedUrl), permanent: false } };
    }

    const loadError = pageProps.loadError;
    if (loadError) {
      // 0 = the API was not reached: a gateway problem from the browser's view.
      ctx.res.statusCode = loadError.status === 0 || loadError.status >= 500 ? 502 : loadError.status;
    }
    return {
      props: {
        ...pageProps,
        currentUser,
        sessionErrors: session.failure ? session.failure.errors : null,
      },
    };
  };
}
