# Production image of Solve-IT: httpd with mod_solveit, judge-worker, result-sink and
# solveit-admin, built from this tree on Debian 12. docker-compose.yml runs one container per role
# from it; doc/compose.md describes them.
FROM debian:bookworm-slim AS build
COPY devstack/packages.txt /tmp/packages.txt
# Everything devstack/packages.txt lists for building, without the services, the browser and the
# test tools; npm stays: the pages' front-end bundle (htdocs/vendor) is built with it.
RUN apt-get update \
 && grep -vE '^(#|$)' /tmp/packages.txt \
    | grep -vE '^(chromium|wrk|postgresql|redis-server|kcat|clang|clang-format|libclang-rt-14-dev|llvm|slapd|ldap-utils|systemd|python3-.*)$' \
    | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN npm install --no-audit --no-fund --loglevel=error && htdocs/build-vendor.sh
RUN autoreconf -fi \
 && ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
 && make -j"$(nproc)" \
 && make install DESTDIR=/out \
 && install -d /out/usr/share/solveit/docker \
 && install -m 0755 docker/httpd-entrypoint.sh docker/connected.sh /out/usr/share/solveit/docker/ \
 && install -m 0644 docker/httpd.conf.in /out/usr/share/solveit/docker/

FROM debian:bookworm-slim
# The libraries the programs link (tests/test_compose_contract.py checks this list against the
# built binaries), apache2 with mod_dbd's PostgreSQL driver, psql for the migrations, curl for the
# health check, and the local sandbox's toolchains (judge-worker --executor local).
RUN apt-get update \
 && apt-get install -y --no-install-recommends apache2 libaprutil1-dbd-pgsql librdkafka1 libhiredis0.14 \
    libcjson1 libcurl4 libmicrohttpd12 libpq5 libseccomp2 libssl3 libcmark-gfm0.29.0.gfm.6 \
    libcmark-gfm-extensions0.29.0.gfm.6 libzip4 libyaml-0-2 postgresql-client curl gcc g++ python3 \
    default-jdk-headless nodejs ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
# Java's class-data sharing archive for the sandbox's runs (languages.json "run_optional"; issue 16).
RUN /usr/libexec/solveit/java-cds.sh
RUN useradd --system --user-group --no-create-home --shell /usr/sbin/nologin solveit \
 && install -d -m 0755 /run/solveit /run/apache2 /etc/solveit /var/cache/solveit
EXPOSE 80
CMD ["/usr/share/solveit/docker/httpd-entrypoint.sh"]
