import { createServiceApp, isMongoConnected, SessionConfig } from '@ticketing/common';
import { currentUserRouter } from './routes/current-user';
import { signinRouter } from './routes/signin';
import { signoutRouter } from './routes/signout';
import { signupRouter } from './routes/signup';

export const buildApp = (config: SessionConfig) =>
  createServiceApp({
    routers: [currentUserRouter, signupRouter(config), signinRouter(config), signoutRouter],
    readiness: { mongo: isMongoConnected },
    session: { jwtKey: config.JWT_KEY, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
