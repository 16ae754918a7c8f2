# syntax=docker/dockerfile:1
# The Trellis server image: `docker build -t trellis .` (docs/deploy.md, decision 0023).
# Three stages: production dependencies, the build (all dependencies, `npm run build` -> dist/
# and the web console in web/dist),
# and the runtime that takes only what running needs. The runtime runs as the image's non-root
# `node` user, with the same Node flags and entry as `npm start`.

# The major version must match the `node` dev dependency that npm scripts run under (a test checks).
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No dev dependencies: the `node` package (Node 24 for npm scripts), the bundler and the test tools
# are not needed to run. No install scripts either: no production dependency has one.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY scripts ./scripts
COPY src ./src
# The web console (decision 0050): `npm run build` builds it into web/dist with the server.
COPY web ./web
RUN npm run build

FROM node:${NODE_VERSION}-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
# The bundle finds migrations and data files next to their sources (scripts/build.ts), and
# `node src/cli.ts migrate` (the `migrate` service) runs the sources: both need src/.
COPY --from=build /app/dist ./dist
COPY --from=build /app/src ./src
# The built console only (served at / by the server, src/core/http/console.ts), not its sources.
COPY --from=build /app/web/dist ./web/dist
# Code stays owned by root (the process cannot change it); only DATA_DIR is writable.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, no shell in between: node itself receives SIGTERM on `docker stop` and drains
# (SHUTDOWN_TIMEOUT). compose.yaml adds `init: true` so a tiny init reaps any child process.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=30", "dist/main.js"]
