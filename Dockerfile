# syntax=docker/dockerfile:1
# One image for the api and the projector (docker-compose.yml runs it twice with different
# commands). Node 22 is an LTS release in support (Node 20 reached its end of life in April 2026);
# the project runs on Node >= 20.19, so the same code runs here unchanged.
ARG NODE_IMAGE=node:22-bookworm-slim

# Production dependencies only, installed from the lockfile. better-sqlite3 ships prebuilt
# binaries for this Node; the compilers are here only for a platform without one, and stay in
# this stage.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The build needs the dev dependencies (TypeScript); none of this stage reaches the image but dist/.
FROM deps AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs libs
COPY apps apps
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    KEDJA_DATA_DIR=/var/lib/kedja \
    KEDJA_LOG_FORMAT=json
WORKDIR /app
# Owned by root and read-only to the service: the process cannot rewrite its own code.
COPY package.json package-lock.json ./
COPY bin bin
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
# The data directory (the SQLite file, the signing key of an instance without issuers) belongs to
# the unprivileged `node` user (uid 1000) of the base image, mode 0700.
RUN mkdir -p /var/lib/kedja && chown node:node /var/lib/kedja && chmod 0700 /var/lib/kedja
USER node
VOLUME ["/var/lib/kedja"]
EXPOSE 3000 3001
STOPSIGNAL SIGTERM
# Readiness of the api (the projector's service in docker-compose.yml checks its own port).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/api/src/main.js"]
