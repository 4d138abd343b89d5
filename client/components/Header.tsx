import Link from 'next/link';
import { useRouter } from 'next/router';
import type { CurrentUser } from '../api/types';
import NotificationBell from './NotificationBell';

interface Props {
  /** undefined: not known on this page (static 404/500 pages). */
  currentUser: CurrentUser | null | undefined;
}

const signedOutLinks = [
  { label: 'Events', href: '/events' },
  { label: 'Sign Up', href: '/auth/signup' },
  { label: 'Sign In', href: '/auth/signin' },
];

const signedInLinks = [
  { label: 'Events', href: '/events' },
  { label: 'Sell Tickets', href: '/tickets/new' },
  { label: 'My Tickets', href: '/tickets/mine' },
  { label: 'My Orders', href: '/orders' },
  { label: 'My Passes', href: '/passes' },
  { label: 'Waiting List', href: '/waitlist' },
  { label: 'Payouts', href: '/payouts' },
  { label: 'Sign Out', href: '/auth/signout' },
];

export default function Header({ currentUser }: Props) {
  const { asPath } = useRouter();
  const path = asPath.split(/[?#]/)[0];
  const links = currentUser === undefined ? [] : currentUser ? signedInLinks : signedOutLinks;
  return (
    <header className="site-header">
      <nav className="container nav" aria-label="Main">
        <Link href="/" className="brand">
          Ticketing
        </Link>
        {currentUser && (
          <span className="nav-user" title={`Signed in as ${currentUser.email}`}>
            {currentUser.email}
          </span>
        )}
        {currentUser && <NotificationBell path={path} />}
        <ul className="nav-links">
          {links.map(({ label, href }) => (
            <li key={href}>
              <Link href={href} aria-current={path === href ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}
