# otpd's container image: a static binary on distroless, run as a non-root
# user, with no shell. Build it from the repository's root:
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t otpd .
#
# cmd/otpd/dockerfile_test.go runs this file's `go build` line as it is
# written and checks that the binary is static, runs, and fits the 40 MB
# budget, so keep the build on one RUN line.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# The modules first: a change to the code alone reuses this layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The version `otpd version`, /v1/health and the User-Agent report;
# without it, "dev".
ARG VERSION=
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/otpd/otpd/internal/version.version=${VERSION}" -o /out/otpd ./cmd/otpd
# The data directory, owned by the image's user (distroless's nonroot,
# 65532) so that a new named volume mounted on it is writable.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/otpd /otpd
COPY --from=build --chown=65532:65532 /out/data /data
# A container listens on every interface; the SQLite database, a
# generated server key and the admin token's hash go to the volume. With
# PostgreSQL (OTPD_DATABASE_URL) set OTPD_SECRET_KEY too: see compose.yaml.
ENV OTPD_ADDR=:8080 \
    OTPD_DATA_DIR=/data \
    OTPD_LOG_FORMAT=json
VOLUME /data
EXPOSE 8080
USER 65532:65532
# No shell or curl here: otpd asks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/otpd", "health"]
ENTRYPOINT ["/otpd"]
CMD ["serve"]
