# syntax=docker/dockerfile:1
# Two images, each holding only what it runs (scripts/image-check.sh checks the production one):
# - runtime, the default (last) target: the service alone. dist/ is built by tsconfig.build.json, which leaves
#   out the mocks, their seeds (demo passwords) and the demo; production dependencies only.
# - mocks (`--target mocks`): the mock Keystone and the mock Glance, for docker-compose.yml and demos only.
# TypeScript is compiled with the dev dependencies in build stages that neither image keeps. Both run as the
# unprivileged `node` user.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# The mocks' tsconfig is copied here only, so a fork without the mocks deletes this stage and `mocks` alone.
FROM build AS build-mocks
COPY tsconfig.mocks.json ./
RUN npm run build:mocks

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS mocks
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
# At dist/ as in the service's image: compose runs dist/mocks/keystone/main.js or dist/mocks/glance/main.js.
COPY --from=build-mocks /app/dist-mocks ./dist
USER node
CMD ["node", "dist/mocks/keystone/main.js"]

FROM ${NODE_IMAGE} AS runtime
# A larger young generation: fewer scavenges per request under load (docs/benchmarks.md).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    OS_SERVER__HOST=0.0.0.0 \
    OS_SERVER__PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# No configuration file: settings come from the environment, or from an oslo.config file mounted into the
# container and named with --config-file (docs/deploy.md#configuration-files).
USER node
EXPOSE 8080
# No curl in the slim image: node itself probes /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.OS_SERVER__PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is the process that receives SIGTERM and drains (run with --init / compose init: true).
CMD ["node", "dist/server.js"]
