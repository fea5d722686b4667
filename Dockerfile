# syntax=docker/dockerfile:1
# One image for the service and both mocks (different commands). Multi-stage: TypeScript is compiled with
# dev dependencies; the runtime stage has production dependencies only, runs as the unprivileged `node` user.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# A larger young generation: fewer scavenges per request under load (docs/benchmarks.md).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    OS_SERVER__HOST=0.0.0.0 \
    OS_SERVER__PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
USER node
EXPOSE 8080
# No curl in the slim image: node itself probes /healthz. Compose overrides this for the mocks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.OS_SERVER__PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is the process that receives SIGTERM and drains (run with --init / compose init: true).
CMD ["node", "dist/server.js"]
