# The autoimport runner image (docs/deploy.md).
#
# No Docker engine runs on the machines this is developed on, so this file has never been built
# there. test/test/deploy-bundle.test.ts checks what the image is made of instead: it reads this
# file, runs the same `pnpm deploy --prod` as the build stage, copies the result to a fresh
# directory (as COPY --from=build does), and starts it with this file's ENTRYPOINT, CMD and ENV
# (paths moved to temporary directories), then runs this file's HEALTHCHECK against it.

# ---- build: install everything, compile, and cut out the runner with production dependencies
FROM node:20-slim AS build
# better-sqlite3 is compiled here (no prebuilt binary is assumed); the runtime image gets only
# the result. node-gyp uses the image's own headers instead of downloading them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /src
COPY . .
RUN npx -y pnpm@12.4.2 install --frozen-lockfile
RUN npx -y pnpm@12.4.2 --filter "@autoimport/runner..." run build
# The runner package with its production dependencies only (the connectors and stores included,
# workspace packages copied in, no dev tools), in a directory that works on its own.
RUN npx -y pnpm@12.4.2 --filter @autoimport/runner deploy --prod /prod/runner

# ---- runtime
FROM node:20-slim
# Configuration is AUTOIMPORT_* variables only (README "Configuration"). These make the image's
# defaults: state on the volume, the HTTP server reachable from outside the container — which
# the runner refuses without AUTOIMPORT_ADMIN_TOKEN, so every deployment sets one.
ENV AUTOIMPORT_DATA_DIR=/data \
    AUTOIMPORT_HTTP_HOST=0.0.0.0 \
    AUTOIMPORT_HTTP_PORT=8080
# Owned by root, run as `node`: the program cannot change its own code.
COPY --from=build /prod/runner /app
RUN mkdir -p /data && chown node:node /data
# The SQLite default's database and key file; unused with Postgres (the key is then required in
# AUTOIMPORT_CREDENTIALS_KEY).
VOLUME /data
WORKDIR /app
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.AUTOIMPORT_HTTP_PORT + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker run <image>` is `autoimport run`; `docker run <image> imports list` runs another command.
ENTRYPOINT ["node", "/app/dist/bin.js"]
CMD ["run"]
