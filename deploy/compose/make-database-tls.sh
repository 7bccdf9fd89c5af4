#!/usr/bin/env bash
# Makes the compose cluster's database TLS material, once, before the first `docker-compose up`:
#
#   ca.pem               the CA, for MariaDB (--ssl-ca)
#   server.crt           MariaDB's certificate, signed by the CA, for the names mariadb (the
#                        job's address), localhost and 127.0.0.1 (clients on the host)
#   server.key           its private key (a secret)
#   ca-truststore.p12    the CA again, as the job's JDBC driver reads it: PKCS12 that keytool
#                        neither encrypts nor seals, so it opens without a password and none
#                        goes into the JDBC URL (it holds no secret)
#
# Usage: make-database-tls.sh [DIR]     (default: secrets/database-tls next to this script)
#
# The CA's own key is thrown away: to renew, run this again and recreate the mariadb, jobmanager
# and taskmanager containers. The files are readable by all, in a directory only you can enter:
# the containers read them as their own users (see README.md, step 1). Needs openssl and keytool
# (any JDK).
set -euo pipefail

die() { printf 'make-database-tls: %s\n' "$*" >&2; exit 1; }
[ "$#" -le 1 ] || die "usage: $0 [DIR]"
command -v openssl >/dev/null || die "openssl is not installed"
command -v keytool >/dev/null || die "keytool is not installed (it comes with every JDK)"

out="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets/database-tls}"
days="${VISIT_COUNT_TLS_DAYS:-825}"
mkdir -p "$out"
chmod 700 "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

openssl req -x509 -newkey rsa:2048 -noenc -days "$days" -subj "/CN=visit-count compose database CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$work/ca.key" -out "$out/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -noenc -subj "/CN=mariadb" \
    -keyout "$out/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:mariadb,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
    > "$work/server.ext"
openssl x509 -req -days "$days" -in "$work/server.csr" -CA "$out/ca.pem" -CAkey "$work/ca.key" \
    -CAcreateserial -CAserial "$work/ca.srl" -extfile "$work/server.ext" \
    -out "$out/server.crt" 2>/dev/null
rm -f "$out/ca-truststore.p12"
# keytool wants a store password even when it protects nothing.
keytool -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE -J-Dkeystore.pkcs12.macAlgorithm=NONE \
    -importcert -noprompt -alias ca -file "$out/ca.pem" -storetype PKCS12 \
    -keystore "$out/ca-truststore.p12" -storepass "$(openssl rand -hex 16)" >/dev/null
chmod 644 "$out"/ca.pem "$out"/server.crt "$out"/server.key "$out"/ca-truststore.p12
printf 'make-database-tls: CA, server certificate and key, and truststore in %s\n' "$out" >&2
