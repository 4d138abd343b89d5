import Link from 'next/link';
import { useRouter } from 'next/router';
import { useState, type FormEvent } from 'react';
import { splitErrors } from '../api/errors';
import { useRequest } from '../hooks/use-request';
import { safeRedirect } from '../lib/redirect';
import ErrorAlert from './ErrorAlert';
import FormField from './FormField';

const FIELDS = ['email', 'password'] as const;

interface Props {
  mode: 'signup' | 'signin';
}

const TEXT = {
  // The other form's link avoids the words "Sign In"/"Sign Up": those name the header links.
  signup: { title: 'Sign Up', other: 'signin', otherLink: 'I already have an account' },
  signin: { title: 'Sign In', other: 'signup', otherLink: 'I need an account' },
} as const;

/** The sign-up and sign-in form: POST /api/users/{signup,signin}, then on to `?redirect=` or `/`. */
export default function AuthForm({ mode }: Props) {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { run, pending, errors } = useRequest();
  const redirectParam = router.query.redirect;
  const target = safeRedirect(redirectParam);
  const text = TEXT[mode];
  const otherHref =
    target === '/' ? `/auth/${text.other}` : `/auth/${text.other}?redirect=${encodeURIComponent(target)}`;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void run(
      (client) => client.post(`/api/users/${mode}`, { email, password }),
      () => router.push(target),
    );
  };

  const { byField, general } = splitErrors(errors, FIELDS);
  return (
    <section className="card narrow">
      <h1>{text.title}</h1>
      <form onSubmit={onSubmit} noValidate>
        <FormField
          idPrefix={mode}
          name="email"
          label="Email"
          type="email"
          inputMode="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          errors={byField.email}
        />
        <FormField
          idPrefix={mode}
          name="password"
          label="Password"
          type="password"
          autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          errors={byField.password}
          hint={mode === 'signup' ? '8 to 128 characters, not a common password' : undefined}
        />
        <ErrorAlert errors={general} />
        <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending || undefined}>
          {text.title}
        </button>
      </form>
      <p className="muted form-switch">
        <Link href={otherHref}>{text.otherLink}</Link>
      </p>
    </section>
  );
}
