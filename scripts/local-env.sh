# Sourced by the scripts: points the AWS SDK at the local stack, unless the caller set its own.
# Dummy credentials: the local stack checks none.
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
# The emulator: moto, or LocalStack with HELPDESK_LOCAL_STACK=localstack (the scripts' --localstack).
if [ "${HELPDESK_LOCAL_STACK:-moto}" = localstack ]; then
    export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:${LOCALSTACK_PORT:-4566}}"
else
    export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:${MOTO_PORT:-5000}}"
fi
export AWS_ENDPOINT_URL_DYNAMODB="${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:${DDB_PORT:-8000}}"
export HELPDESK_LOCAL_MODE="${HELPDESK_LOCAL_MODE:-true}"
# A session signing key for this checkout, made once into .local/ (never committed).
if [ -z "${SESSION_SIGNING_KEY:-}" ]; then
    _key_file="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.local/session-key"
    if [ ! -s "$_key_file" ]; then
        mkdir -p "$(dirname "$_key_file")"
        head -c 48 /dev/urandom | base64 | tr -d '\n' >"$_key_file"
    fi
    SESSION_SIGNING_KEY="$(cat "$_key_file")"
    export SESSION_SIGNING_KEY
    unset _key_file
fi
