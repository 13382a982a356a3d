# Production image of Solve-IT: httpd with mod_solveit, judge-worker and result-sink, built from
# this tree on Debian 12. docker-compose.yml runs one container per role from it.
FROM debian:bookworm-slim AS build
COPY devstack/packages.txt /tmp/packages.txt
RUN apt-get update \
 && grep -vE '^(#|$)' /tmp/packages.txt | grep -vE '^(chromium|wrk|postgresql|redis-server|nodejs|npm)$' \
    | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi && ./configure --prefix=/usr --sysconfdir=/etc && make -j"$(nproc)" && make install DESTDIR=/out

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends apache2 libaprutil1-dbd-pgsql librdkafka1 libhiredis0.14 \
    libcjson1 libcurl4 libpq5 libseccomp2 libcmark-gfm0.29.0.gfm.6 libcmark-gfm-extensions0.29.0.gfm.6 libzip4 libyaml-0-2 postgresql-client gcc g++ python3 \
    default-jdk-headless nodejs ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
RUN useradd --system --user-group --no-create-home --shell /usr/sbin/nologin solveit
EXPOSE 80
CMD ["apache2ctl", "-D", "FOREGROUND"]
