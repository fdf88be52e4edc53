# syntax=docker/dockerfile:1
# Taito: a static binary on a minimal, non-root runtime image.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/taito ./cmd/taito

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/taito /app/taito
COPY courses /app/courses
COPY assets /app/assets
ENV TAITO_HTTP_ADDR=0.0.0.0:8080 \
    TAITO_DATA_DIR=/var/lib/taito \
    TAITO_LOG_FORMAT=json
VOLUME ["/var/lib/taito"]
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/app/taito"]
CMD ["serve"]
