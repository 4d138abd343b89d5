# syntax=docker/dockerfile:1
# The TypeScript services (auth, tickets, orders, expiration, payments, events, notifications): one
# Dockerfile, the service chosen by the build argument SERVICE (its workspace
# folder). Build from the repository root, so the shared `common` workspace
# is in the context (skaffold.yaml does this, with buildArgs SERVICE):
#   docker build -f services.Dockerfile --build-arg SERVICE=auth -t ticketing/auth .
# SERVICE has no default: without it the build stage's COPYs of
# <service>/tsconfig.json and <service>/src find nothing and the build fails.
# An ARG is in scope only in the stage that declares it, hence `ARG SERVICE`
# at the top of every stage that uses it.
# Stages: manifests -> deps -> build -> dev        (skaffold dev's target)
#         manifests -> prod-deps -> runtime (last)  (the production image)
# The ignore file is services.Dockerfile.dockerignore (BuildKit reads the one
# named after the Dockerfile; buildah is given it with --ignorefile).
# infra/src/images.test.ts lints this file with hadolint, builds it with
# buildah for every service and runs each image with runc.
# The base: Debian bookworm, Node 24 (the current LTS; Node 20's life ended
# 2026-04-30). USER is numeric so that the kubelet can check runAsNonRoot.
ARG NODE_IMAGE=node:24-bookworm-slim

# Only what npm needs to resolve the workspace graph: every workspace's
# package.json must be there for package-lock.json to match. The same for
# every service, so this stage is built once and cached for all of them.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY auth/package.json auth/
COPY tickets/package.json tickets/
COPY orders/package.json orders/
COPY expiration/package.json expiration/
COPY payments/package.json payments/
COPY events/package.json events/
COPY notifications/package.json notifications/
COPY client/package.json client/
COPY infra/package.json infra/
COPY e2e/package.json e2e/

# Everything needed to compile: the service's and common's dependencies, dev
# ones included, and the root's tools (typescript). No install scripts run.
FROM manifests AS deps
ARG SERVICE
RUN --mount=type=cache,target=/root/.npm \
    npm ci --workspace common --workspace $SERVICE --include-workspace-root --ignore-scripts --no-audit --no-fund

FROM deps AS build
ARG SERVICE
COPY tsconfig.base.json ./
COPY common/tsconfig.json common/
COPY common/src common/src
COPY ${SERVICE}/tsconfig.json ${SERVICE}/
COPY ${SERVICE}/src ${SERVICE}/src
RUN node_modules/.bin/tsc -b $SERVICE

# skaffold dev: ts-node-dev restarts on the .ts files skaffold syncs into src/.
FROM build AS dev
ARG SERVICE
ENV NODE_ENV=development PORT=3000
RUN chown -R node:node $SERVICE/src
USER 1000:1000
WORKDIR /app/${SERVICE}
EXPOSE 3000
CMD ["/app/node_modules/.bin/ts-node-dev", "--respawn", "--transpile-only", "src/index.ts"]

# Production dependencies of the service (and of common, which it links) only.
FROM manifests AS prod-deps
ARG SERVICE
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --workspace $SERVICE --ignore-scripts --no-audit --no-fund

# The production image: compiled JavaScript, production node_modules, owned
# by root and read-only to the unprivileged `node` user (uid 1000) it runs as.
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=prod-deps /app ./
COPY --from=build /app/common/dist common/dist
COPY --from=build /app/${SERVICE}/dist ${SERVICE}/dist
USER 1000:1000
WORKDIR /app/${SERVICE}
EXPOSE 3000
CMD ["node", "dist/index.js"]
