# One image for every Piko role: the CLI is the entrypoint and the command picks the role
# (`server`, `proxy`, `gateway`, `admin`, `agent ...`). Built in three stages so the runtime
# image holds only the bundled dist/ and production node_modules, never the toolchain.

# Node 22, an LTS line supported until 2027-04-30 (Node 20 reached end of life on 2026-04-30).
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: full install (dev dependencies included) and `npm run build` ---
FROM ${NODE_IMAGE} AS build
# bufferutil ships prebuilt binaries for linux-x64 only; elsewhere (arm64) npm compiles it.
RUN if [ "$(uname -m)" != "x86_64" ]; then \
      apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
COPY apps/cli/package.json apps/cli/package.json
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- deps: production dependencies only, installed apart from the build's dev tree ---
FROM ${NODE_IMAGE} AS deps
# bufferutil ships prebuilt binaries for linux-x64 only; elsewhere (arm64) npm compiles it.
RUN if [ "$(uname -m)" != "x86_64" ]; then \
      apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/cli/package.json apps/cli/package.json
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: Kubernetes adds no init process (Compose's `init: true` does), and PID 1 gets no
# default signal handling and must reap orphans. tini forwards SIGTERM to node and reaps.
RUN apt-get update && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
# glibc keeps freed buffers in its heap instead of handing them back to the kernel and faulting
# them in again (tools/runtime-env.mjs says why, with the node flags in ENTRYPOINT;
# tools/check-deploy.mjs keeps both equal to it).
ENV MALLOC_MMAP_THRESHOLD_=4194304
ENV MALLOC_TRIM_THRESHOLD_=33554432
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=deps --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /src/apps/cli/package.json ./apps/cli/package.json
COPY --from=build --chown=root:root /src/apps/cli/bin ./apps/cli/bin
COPY --from=build --chown=root:root /src/dist/apps ./dist/apps
# Files stay root-owned and read-only for the `node` user (uid 1000) the process runs as,
# which also lets the root filesystem be mounted read-only.
USER node
# 8000 proxy, 8001 upstream (agents), 8002 admin, 8003 relay (cluster-internal), 8004 ops.
EXPOSE 8000 8001 8002 8003 8004
# Piko installs its own SIGTERM/SIGINT handlers (graceful drain); tini passes the signal on.
# -s: where another init is PID 1 (Compose's `init: true`, `docker run --init`, a pod with
# shareProcessNamespace), tini registers as a child subreaper and still reaps, instead of warning.
ENTRYPOINT ["/usr/bin/tini", "-s", "--", "node", "--max-semi-space-size=8", "--initial-old-space-size=64", "/app/dist/apps/cli/main.js"]
CMD ["server"]
