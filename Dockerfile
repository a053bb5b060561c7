# syntax=docker/dockerfile:1

# Pipewright: Slack bot + BullMQ worker, compiled to JavaScript and run with plain node.
#
#   docker build -t pipewright .
#   docker run --init --env-file .env -p 3000:3000 --stop-timeout 30 pipewright
#
# The default command (node dist/main.js all) runs the bot and the worker together in one process.
# To split them, run containers from this image with another command (compose.yaml does):
#   node --enable-source-maps dist/main.js bot      Slack listeners and outbox (needs SLACK_* vars)
#   node --enable-source-maps dist/main.js worker   orchestrator and agents (needs ANTHROPIC_API_KEY)
# Both serve GET /healthz and GET /metrics on PORT, so the HEALTHCHECK below works for either.
# On SIGTERM the app finishes in-flight jobs for up to 25 s, longer than Docker's default 10 s stop
# timeout: give it `--stop-timeout 30` (compose: `stop_grace_period: 30s`).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies, then tsc into dist/ -----------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# dist/: the compiled modules with their source maps, and the Lua scripts next to the modules that read them.
RUN npm run build

# ---- deps: production dependencies only (no tsx, typescript, vitest or biome) ----------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime --------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# git: the worker commits a project's files on a branch when DELIVERABLES_GIT_URL is set.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
  && rm -rf /var/lib/apt/lists/*

# The `node` user (uid 1000) ships with the official Node images.
COPY --chown=node:node --from=deps /app/node_modules ./node_modules
# package.json says "type": "module", which makes node load dist/*.js as ES modules.
COPY --chown=node:node package.json ./
COPY --chown=node:node --from=build /app/dist ./dist

USER node

# POST /slack/events (HTTP mode), GET /healthz and GET /metrics listen on PORT (default 3000);
# in Socket Mode (SLACK_APP_TOKEN set) only /healthz and /metrics are served there.
EXPOSE 3000

# No curl in slim images: probe with node's built-in fetch. /healthz answers 200 when Redis answers a PING,
# 503 when it does not. Shell form so ${PORT:-3000} is expanded from the container's environment.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:${PORT:-3000}/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"

STOPSIGNAL SIGTERM

# No npm or tsx in between: the SIGTERM from `docker stop` reaches the app itself. --enable-source-maps: stack
# traces name the TypeScript sources (src/…ts:line) through dist/'s source maps. Node as PID 1 does not reap
# orphaned processes; `docker run --init` (compose `init: true`) adds an init that does and passes signals on.
CMD ["node", "--enable-source-maps", "dist/main.js", "all"]
