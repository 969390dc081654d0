#!/usr/bin/env bash
# Generate a throw-away test CA and a server certificate for conv-sim:
# DIR/ca.pem, DIR/ca-key.pem, DIR/server.pem, DIR/server-key.pem, valid for
# localhost and 127.0.0.1. Point conv_fdw's ca_file option at DIR/ca.pem.
set -euo pipefail

dir=${1:?usage: gen-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
	-subj "/CN=conv-sim test CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-keyout ca-key.pem -out ca.pem 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
	-keyout server-key.pem -out server.csr 2>/dev/null

cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EXT

openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
	-days 3650 -sha256 -extfile server.ext -out server.pem 2>/dev/null

rm -f server.csr server.ext ca.srl
chmod 644 ./*.pem
