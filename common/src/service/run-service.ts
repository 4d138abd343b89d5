import { Server } from 'node:http';
import { Express } from 'express';
import mongoose from 'mongoose';
import { EventBus } from '../bus/event-bus';
import { ConfigError } from '../config';
import { lifecycle } from '../http/app';
import { logger } from '../logger';
import { stopTelemetry } from '../telemetry/lifecycle';

export interface RunningService {
  /** Things to stop on shutdown, in order, after HTTP stops accepting and before the bus drains. */
  stoppers?: Array<() => Promise<void> | void>;
  bus?: EventBus;
  /** Set when the service uses MongoDB. */
  usesMongo?: boolean;
}

export interface RunServiceOptions<C extends { PORT: number }> {
  name: string;
  /** Reads and validates the environment; a ConfigError exits 1 naming the variable. */
  config: () => C;
  /** Connects, starts listeners; returns the app and what shutdown must stop. */
  start: (config: C) => Promise<{ app: Express } & RunningService>;
  /** How long in-flight requests get before the server is closed hard. */
  drainMs?: number;
}

/**
 * The common start/stop of every service: run `start`, listen, and on
 * SIGTERM/SIGINT fail readiness, stop accepting, finish in-flight work,
 * drain the bus, close Mongo, exit. A bad config exits 1 naming the variable.
 */
export async function runService<C extends { PORT: number }>(options: RunServiceOptions<C>): Promise<void> {
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });

  let running: { app: Express } & RunningService;
  let config: C;
  try {
    config = options.config();
    running = await options.start(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      // Plain stderr too: this is what a person reads when a pod crash-loops.
      console.error(`${options.name}: ${err.message}`);
      logger.fatal(err.message);
    } else {
      logger.fatal({ err }, 'failed to start');
    }
    process.exit(1);
  }

  const server: Server = running.app.listen(config.PORT, () => {
    logger.info({ port: config.PORT }, `${options.name} listening`);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    lifecycle.shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const drainMs = options.drainMs ?? 10000;
    const hardStop = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, drainMs + 5000);
    hardStop.unref();
    try {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
        setTimeout(() => {
          server.closeAllConnections?.();
          resolve();
        }, drainMs).unref();
      });
      for (const stop of running.stoppers ?? []) await stop();
      await running.bus?.close();
      if (running.usesMongo) await mongoose.disconnect();
      await stopTelemetry();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
