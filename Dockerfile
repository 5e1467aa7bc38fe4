# Portico container image. Two stages: the first compiles the TypeScript with the dev dependencies,
# the second holds only dist/, bin/ and the production node_modules, and runs as the `node` user.
#   docker build -t portico:0.1.0 .
#   docker run -p 8080:8080 -p 9901:9901 -v "$PWD/portico.yaml:/etc/portico/portico.yaml:ro" portico:0.1.0

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so this layer is reused while only the sources change. --ignore-scripts skips
# the `prepare` build (the sources are not copied yet) and esbuild's binary download (tsx, tests only).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Files stay root-owned and read-only for the process; Portico writes nothing to disk.
USER node
# 8080: traffic (listeners in the config); 9901: the admin API (health, metrics) when `admin:` is set.
EXPOSE 8080 9901
# No HEALTHCHECK: it would depend on the config having an `admin:` block. Kubernetes uses its own
# probes (/healthz, /readyz on the admin port, see deploy/kubernetes/).
ENTRYPOINT ["node", "--max-semi-space-size=32", "bin/portico.js", "start", "--config", "/etc/portico/portico.yaml"]
