import { createServiceApp, isMongoConnected, RateLimits, ReadinessCheck, SessionConfig, SessionKeys } from '@ticketing/common';
import { currentUserRouter } from './entry-points/http/current-user';
import { SessionIssuer } from './entry-points/http/session';
import { signinRouter } from './entry-points/http/signin';
import { signoutRouter } from './entry-points/http/signout';
import { signupRouter } from './entry-points/http/signup';
import { SigninThrottle, ThrottleSettings } from './domain/signin-throttle';

export type AuthAppConfig = SessionConfig & ThrottleSettings;

export const buildApp = (config: AuthAppConfig, limits: RateLimits, bus: { isConnected: ReadinessCheck }) => {
  const sessions: SessionIssuer = { keys: new SessionKeys(config), ttlSeconds: config.JWT_TTL_SECONDS };
  const throttle = new SigninThrottle(limits, config);
  return createServiceApp({
    routers: [currentUserRouter, signupRouter(sessions, throttle), signinRouter(sessions, throttle), signoutRouter],
    readiness: { mongo: isMongoConnected, bus: () => bus.isConnected() },
    session: { jwtKey: config.JWT_KEY, jwtKeys: config.JWT_KEYS, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
};
