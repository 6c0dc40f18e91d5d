# One Aloft node. The image runs `npm start`; every setting comes from ALOFT_* variables (or
# flags after the image name), as README.md and `npm start -- --help` list them.
#
#   docker build -t aloft .
#   docker run -p 8080:8080 -e ALOFT_HOST=0.0.0.0 aloft
#
# ops/compose/docker-compose.yml runs three of these against ScyllaDB, Kafka and Memgraph.
FROM node:20-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json ./
# Dev dependencies are not needed to run a node: tsx (a dependency) runs the TypeScript.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
# The demo season's generator (--demo-season) lives with the operations tools.
COPY ops/season ./ops/season
COPY tsconfig.json ./
RUN mkdir -p /var/lib/aloft && chown node:node /var/lib/aloft

ENV NODE_ENV=production \
    ALOFT_HOST=0.0.0.0 \
    ALOFT_PORT=8080 \
    ALOFT_DATA=/var/lib/aloft
VOLUME /var/lib/aloft
EXPOSE 8080 2552 9001
USER node
# SIGTERM makes the node leave the cluster and hand its shards off before it exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--import", "tsx", "src/main.ts"]
