#!/bin/sh
# Container entry point: bring the database to the code's schema and the member registry up to
# date (both idempotent), then run the command given (default: the web server).
set -eu
iofs db upgrade
iofs members load
exec "$@"
