# syntax=docker/dockerfile:1
#
# cohort-reports: built with dev dependencies, run with production ones only, as the non-root `node`
# user, with tini as PID 1 so SIGTERM reaches the worker (which then drains) and children are reaped.
# The entrypoint is the `cohort-reports` CLI: give the command as arguments.
#
#   docker build -t cohort-reports .
#   docker run --rm -e INTERCOM_TOKEN -v cohort-reports:/reports cohort-reports run --month last
#   docker run --rm -v cohort-reports:/reports cohort-reports run --sandbox --month last
#
# No secret is baked in: INTERCOM_TOKEN (and DASHBOARD_USER / DASHBOARD_PASSWORD for the dashboard) are
# read from the environment when a container starts. Reports go to the volume at /reports.

ARG NODE_IMAGE=node:24-slim

# ---- build: TypeScript → dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run the build before the sources are copied; it runs below instead.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY src ./src
COPY jobs ./jobs
RUN npm run build

# ---- deps: production dependencies only ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# TypeScript is marked devOptional (an optional peer of valibot, through @bull-board/api), which
# --omit=dev keeps: 23 MB the runtime never loads (valibot needs it only for types).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
 && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    COHORT_REPORTS_OUT=/reports
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The app stays owned by root (read-only to the process); only /reports is the node user's. No VOLUME
# instruction: it would leave an anonymous volume behind every one-off container (`status`,
# `enqueue`, `--version`); mount one where reports are written (`-v cohort-reports:/reports`, as the
# compose file does).
# /app/.cohort-reports-state is `run`'s journal folder for an s3:// output (its default under the
# working directory): the node user's too. Mount a volume there for a run that resumes in a new container.
RUN chmod 0755 /app/dist/src/cli/main.js \
 && ln -s /app/dist/src/cli/main.js /usr/local/bin/cohort-reports \
 && mkdir -p /reports /app/.cohort-reports-state \
 && chown node:node /reports /app/.cohort-reports-state
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "cohort-reports"]
CMD ["--help"]
